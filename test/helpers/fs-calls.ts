// Watching the engine's calls to one `node:fs` function: the module's export is wrapped
// (and the ES module bindings synced, which the engine's named imports read), so a test
// can count calls or act right after one, then it is put back.
import { createRequire, syncBuiltinESMExports } from 'node:module';

const fs = createRequire(import.meta.url)('node:fs') as Record<string, unknown>;

/** Runs `body` while every call to `fs[name]` is followed by `after(its arguments, its result)`. */
export async function afterEachFsCall(
  name: 'mkdirSync' | 'writeSync',
  after: (args: unknown[], result: unknown) => void,
  body: () => Promise<void>,
): Promise<void> {
  const real = fs[name] as (...args: unknown[]) => unknown;
  fs[name] = (...args: unknown[]) => {
    const result = real(...args);
    after(args, result);
    return result;
  };
  syncBuiltinESMExports();
  try {
    await body();
  } finally {
    fs[name] = real;
    syncBuiltinESMExports();
  }
}
