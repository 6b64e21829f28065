// Serialises the calls one process makes on one file, so the process never
// contends with itself for its own lock and never reads a half-applied image.
const tails = new Map<string, Promise<unknown>>();

export function enqueue<T>(key: string, task: () => Promise<T>): Promise<T> {
  const previous = tails.get(key) ?? Promise.resolve();
  const run = previous.then(task, task);
  const tail = run.catch(() => undefined);
  tails.set(key, tail);
  // Forget the key once the queue drains, so closed files leave nothing behind.
  void tail.then(() => { if (tails.get(key) === tail) tails.delete(key); });
  return run;
}
