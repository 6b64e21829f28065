// Serialises the calls one process makes on one file, so the process never
// contends with itself for its own lock and never reads a half-applied image.
// A loop of awaited calls that never waits for the disk or for another process
// resolves in microtasks alone, starving the host's timers, I/O and signal
// handlers: a call that finds no turn of the event loop for a few milliseconds
// lets one pass first.
const tails = new Map<string, Promise<unknown>>();

/** How long this process may run calls without the event loop turning. */
const YIELD_AFTER_MS = 5;
/** When the current stretch without a turn began; undefined once the loop turned. */
let noTurnSince: number | undefined;

export function enqueue<T>(key: string, task: () => Promise<T>): Promise<T> {
  const previous = tails.get(key) ?? Promise.resolve();
  const start = () => hostTurn()?.then(task) ?? task();
  const run = previous.then(start, start);
  const tail = run.catch(() => undefined);
  tails.set(key, tail);
  // Forget the key once the queue drains, so closed files leave nothing behind.
  void tail.then(() => {
    if (tails.get(key) === tail) tails.delete(key);
  });
  return run;
}

/**
 * A turn of the event loop to await when the host has had none for a few
 * milliseconds, else undefined (go on at once): for calls that are not queued.
 */
export function hostTurn(): Promise<void> | undefined {
  return starvingHost() ? nextTurn() : undefined;
}

/** True when the event loop has not turned for YIELD_AFTER_MS; starts watching for the next turn. */
function starvingHost(): boolean {
  const now = performance.now();
  if (noTurnSince === undefined) {
    noTurnSince = now;
    setImmediate(loopTurned);
    return false;
  }
  return now - noTurnSince > YIELD_AFTER_MS;
}

function loopTurned(): void {
  noTurnSince = undefined;
}

/** Resolves after the timers, I/O and signal handlers that are due have run. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
