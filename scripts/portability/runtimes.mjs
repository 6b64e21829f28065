// The runtimes the package is checked on, from their npm packages in .cache/runtimes
// (scripts/check-portability.mjs installs them): where each one's binary is, and how
// a script file is run on it.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
export const runtimesDir = join(root, '.cache', 'runtimes');
export const platformArch = `${process.platform}-${process.arch}`;

/** Where each runtime's binary may be: placed by the package's install script, or inside its platform package. */
function runtimeCandidates() {
  const modules = join(runtimesDir, 'node_modules');
  const bunArch = { x64: 'x64', arm64: 'aarch64' }[process.arch];
  return {
    'node 18': [
      join(modules, 'node18/bin/node'),
      join(modules, `node18/node_modules/node-${platformArch}/bin/node`),
      join(runtimesDir, 'fallback/node_modules/node18-bin/bin/node'),
    ],
    'node 22': [
      join(modules, 'node22/bin/node'),
      join(modules, `node22/node_modules/node-${platformArch}/bin/node`),
      join(runtimesDir, 'fallback/node_modules/node22-bin/bin/node'),
    ],
    bun: [
      join(modules, `@oven/bun-${process.platform}-${bunArch}/bin/bun`),
      join(modules, `@oven/bun-${process.platform}-${bunArch}-baseline/bin/bun`),
      join(modules, 'bun/bin/bun.exe'),
    ],
    deno: [
      join(modules, `@deno/${platformArch}-glibc/deno`),
      join(modules, `@deno/${platformArch}/deno`),
      join(modules, 'deno/deno'),
    ],
  };
}

function firstWorking(candidates) {
  for (const path of candidates) {
    if (!existsSync(path) || statSync(path).size < 1_000_000) continue; // a stub the install script would have replaced
    const probe = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 30_000 });
    if (probe.status === 0) return { path, version: probe.stdout.trim().split('\n')[0] };
  }
  return undefined;
}

/** Each runtime's binary and version, undefined for one not installed. */
export function locateRuntimes() {
  return Object.fromEntries(Object.entries(runtimeCandidates()).map(([name, paths]) => [name, firstWorking(paths)]));
}

/** The command line that runs a script file on a runtime, with V8 flags where it takes them. */
export function runtimeArgs(name, script, v8Flags = []) {
  if (name === 'deno')
    return ['run', '--allow-all', ...(v8Flags.length ? [`--v8-flags=${v8Flags.join(',')}`] : []), script];
  return name === 'bun' ? [script] : [...v8Flags, script];
}
