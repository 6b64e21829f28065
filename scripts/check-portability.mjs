#!/usr/bin/env node
// Where the package must work, checked on the packed tarball as users get it:
//   1. pack (at most 1 MiB), install with `npm install --ignore-scripts` under a PATH
//      that holds node, npm and basic shell tools only (no compiler, python, make),
//      then `af --version`, `af db dump` and the API in temporary folders;
//   2. Node.js 18 and 22, Bun and Deno (from their npm packages, cached in
//      .cache/runtimes): the API by import, by require and through the embedded
//      entry, and `af db dump`, all sharing one global registry;
//   3. Node, Bun and Deno writing the same state.db and global.db at once lose nothing;
//   4. a consumer bundled by esbuild into one file runs with no configuration: with
//      the `.wasm` copied beside it, or through the embedded entry.
// Prints PASS or FAIL per check and a closing "portability: N passed, N failed";
// exits non-zero on any failure. Usage: node scripts/check-portability.mjs [--keep]
// One file per step in portability/, the shared runner in portability/runner.mjs.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { bundles } from './portability/bundles.mjs';
import { consumer, packAndInstall } from './portability/install.mjs';
import { findRuntimes, onEveryRuntime, sharedRegistry } from './portability/on-every-runtime.mjs';
import { keep, results, seconds, skip, startedAt, work } from './portability/runner.mjs';
import { writingTogether } from './portability/together.mjs';

try {
  console.log(`portability checks in ${work}`);
  mkdirSync(join(work, 'home'), { recursive: true });
  await packAndInstall();
  if (consumer) {
    const runtimes = await findRuntimes();
    await onEveryRuntime(runtimes);
    await writingTogether(runtimes);
    await bundles(runtimes);
    await sharedRegistry();
  } else {
    skip('runtimes, concurrent writers and bundles', 'the package did not install');
  }
} catch (error) {
  results.push(false);
  console.log(`FAIL  the check script itself: ${error?.stack ?? error}`);
} finally {
  if (!keep) rmSync(work, { recursive: true, force: true });
}
const failed = results.filter((ok) => !ok).length;
console.log(`portability checks took ${seconds(Date.now() - startedAt)}`);
console.log(`portability: ${results.length - failed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
