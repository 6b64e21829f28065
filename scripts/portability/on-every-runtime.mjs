// 2. Runtimes from npm packages (Node.js 18 and 22, Bun, Deno; installed into
// .cache/runtimes when missing): the API by import, by require and through the
// embedded entry, and `af db dump`, all sharing one global registry.
import { join } from 'node:path';
import { consumer, restrictedPath } from './install.mjs';
import { check, environment, expect, lastJson, newProject, root, smokeBlocks, succeed } from './runner.mjs';
import { locateRuntimes, platformArch, runtimeArgs, runtimesDir } from './runtimes.mjs';

/** `npm install` of `specs` into `prefix`, nothing saved. */
function npmInstallInto(prefix, specs) {
  return succeed('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', prefix, ...specs], {
    cwd: root,
    env: process.env,
  });
}

export async function findRuntimes() {
  let found = {};
  const locate = locateRuntimes;
  await check('runtimes from npm: node@18, node@22, bun, deno', async () => {
    found = locate();
    if (Object.values(found).some((runtime) => !runtime)) {
      await npmInstallInto(runtimesDir, ['node18@npm:node@18', 'node22@npm:node@22', 'bun', 'deno']);
      found = locate();
    }
    // The `node` packages put their binary in place from an install script; when npm did
    // not run it, the platform package holds the same binary and needs no script.
    const missingNode = ['18', '22'].filter((major) => !found[`node ${major}`]);
    if (missingNode.length > 0) {
      await npmInstallInto(
        join(runtimesDir, 'fallback'),
        missingNode.map((major) => `node${major}-bin@npm:node-${platformArch}@${major}`),
      );
      found = locate();
    }
    const missing = Object.entries(found)
      .filter(([, runtime]) => !runtime)
      .map(([name]) => name);
    expect(missing.length === 0, `no working binary for ${missing.join(', ')}`);
    return Object.entries(found)
      .map(([name, { path, version }]) => `${name}: ${version} (${path.slice(runtimesDir.length + 1)})`)
      .join('; ');
  });
  return Object.fromEntries(Object.entries(found).filter(([, runtime]) => runtime));
}

export async function onEveryRuntime(runtimes) {
  const env = environment({ PATH: restrictedPath });
  for (const [name, runtime] of Object.entries(runtimes)) {
    for (const [variant, script] of [
      ['import', 'smoke-main.mjs'],
      ['require', 'smoke-main.cjs'],
      ['embedded entry', 'smoke-embedded.mjs'],
    ]) {
      await check(`${name}: the API by ${variant}`, async () => {
        const project = newProject(`${name.replace(' ', '')}-${script}`);
        const { stdout } = await succeed(runtime.path, runtimeArgs(name, join(consumer, script)), {
          cwd: project,
          env,
        });
        const summary = lastJson(stdout);
        smokeBlocks.push(summary.basePort);
        expect(summary.globalMode === '600', `global.db has mode ${summary.globalMode}`);
        const dump = await succeed(
          runtime.path,
          runtimeArgs(name, join(consumer, 'node_modules', 'agent-farm-state', 'dist', 'af.js')).concat(['db', 'dump']),
          { cwd: project, env },
        );
        const builders = JSON.parse(dump.stdout).builders;
        expect(
          builders.length === 1 && builders[0].id === summary.id && builders[0].status === 'pr-ready',
          `af db dump printed ${dump.stdout}`,
        );
        return `${summary.runtime}, base port ${summary.basePort}; af db dump shows ${summary.id}`;
      });
    }
  }
}

export async function sharedRegistry() {
  await check('every runtime and bundle shared one global.db: one distinct block per project', async () => {
    const { stdout } = await succeed(join(consumer, 'node_modules', '.bin', 'af'), ['db', 'dump', '--global'], {
      cwd: newProject('registry'),
      env: environment({ PATH: restrictedPath }),
    });
    const allocations = JSON.parse(stdout).port_allocations;
    const bases = allocations.map((row) => row.base_port);
    expect(new Set(smokeBlocks).size === smokeBlocks.length, `a block was handed out twice: ${smokeBlocks.join(', ')}`);
    expect(
      bases.length === smokeBlocks.length && smokeBlocks.every((base) => bases.includes(base)),
      `global.db holds ${bases.join(', ')}; the runs got ${smokeBlocks.join(', ')}`,
    );
    return `${allocations.length} projects, blocks ${Math.min(...bases)}…${Math.max(...bases)}`;
  });
}
