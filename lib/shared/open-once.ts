// One store per process, opened on first use: the module functions of the state
// (state/current-project.ts) and of the port registry (ports/user-registry.ts). A
// failed open (a bad JSON file to import, say) is not kept: the next call tries again.

export interface OpenOnce<T extends { close(): Promise<void> }> {
  /** The store, opening it when it is not open (or its last open failed). */
  get(): Promise<T>;
  /** Closes the store if it was opened; the next get() opens it again. */
  close(): Promise<void>;
}

export function openOnce<T extends { close(): Promise<void> }>(open: () => Promise<T>): OpenOnce<T> {
  let opened: Promise<T> | undefined;
  return {
    get() {
      if (!opened) {
        const attempt = open();
        opened = attempt;
        attempt.catch(() => {
          if (opened === attempt) opened = undefined;
        });
      }
      return opened;
    },
    async close() {
      const closing = opened;
      opened = undefined;
      const store = await closing?.catch(() => undefined);
      await store?.close();
    },
  };
}
