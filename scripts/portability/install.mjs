// 1. Pack and install with no compiler: the tarball (at most 1.1 MiB) installed with
// `npm install --ignore-scripts` under a PATH of node, npm and basic shell tools only,
// then `af --version`, `af db dump` and the API from the installed package.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { smokeCjs, smokeEsm, WRITER } from './consumer-scripts.mjs';
import {
  check,
  environment,
  expect,
  lastJson,
  MAX_TARBALL,
  newProject,
  root,
  smokeBlocks,
  succeed,
  work,
} from './runner.mjs';

/** A folder of links to node, npm and basic shell tools: the whole PATH of a machine without build tools. */
function minimalPath() {
  const bin = join(work, 'minimal-bin');
  mkdirSync(bin);
  const which = (tool) => spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
  for (const tool of [
    'node',
    'npm',
    'sh',
    'env',
    'cat',
    'ls',
    'mkdir',
    'rm',
    'cp',
    'mv',
    'chmod',
    'sed',
    'grep',
    'tar',
    'gzip',
    'uname',
  ]) {
    const found = tool === 'node' ? process.execPath : which(tool);
    if (found) symlinkSync(realpathSync(found), join(bin, tool));
  }
  return bin;
}

export let tarball;
export let consumer;
export let restrictedPath;

export async function packAndInstall() {
  await check('npm pack: the tarball is at most 1.1 MiB', async () => {
    const packed = await succeed('npm', ['pack', '--json', '--pack-destination', work], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1' },
    });
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('[')));
    tarball = join(work, info.filename);
    expect(info.size <= MAX_TARBALL, `the tarball is ${info.size} bytes, over ${MAX_TARBALL}`);
    const paths = info.files.map((file) => file.path);
    for (const required of [
      'dist/index.js',
      'dist/index.cjs',
      'dist/embedded.js',
      'dist/embedded.cjs',
      'dist/sql-wasm.embedded.cjs',
      'dist/af.js',
      'dist/types/index.d.ts',
      'dist/types-cjs/embedded.d.ts',
      'wasm/sql-wasm.wasm',
      'THIRD_PARTY_NOTICES.md',
    ]) {
      expect(paths.includes(required), `the tarball lacks ${required}`);
    }
    expect(
      paths.some((path) => path.startsWith('dist/af/')),
      'the tarball lacks dist/af/, the chunks the bin imports',
    );
    return `${info.filename}, ${(info.size / 1024).toFixed(0)} KiB packed, ${(info.unpackedSize / 1024).toFixed(0)} KiB unpacked, ${paths.length} files`;
  });
  if (!tarball) return;

  restrictedPath = minimalPath();
  await check('the PATH for the install holds no compiler, python or make', async () => {
    const present = ['cc', 'gcc', 'g++', 'c++', 'clang', 'make', 'python', 'python3'].filter(
      (tool) => spawnSync('/bin/sh', ['-c', `command -v ${tool}`], { env: { PATH: restrictedPath } }).status === 0,
    );
    expect(present.length === 0, `still on PATH: ${present.join(', ')}`);
    return readdirSync(restrictedPath).join(' ');
  });

  await check('npm install --ignore-scripts of the tarball installs no other package', async () => {
    consumer = join(work, 'consumer');
    mkdirSync(consumer);
    writeFileSync(
      join(consumer, 'package.json'),
      `${JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }, null, 2)}\n`,
    );
    await succeed('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', tarball], {
      cwd: consumer,
      env: environment({ PATH: restrictedPath, npm_config_cache: join(work, 'npm-cache') }),
    });
    const installed = readdirSync(join(consumer, 'node_modules')).filter((name) => !name.startsWith('.'));
    expect(installed.join() === 'agent-farm-state', `node_modules holds ${installed.join(', ')}`);
    writeFileSync(join(consumer, 'smoke-main.mjs'), smokeEsm('agent-farm-state'));
    writeFileSync(join(consumer, 'smoke-main.cjs'), smokeCjs('agent-farm-state'));
    writeFileSync(join(consumer, 'smoke-embedded.mjs'), smokeEsm('agent-farm-state/embedded'));
    writeFileSync(join(consumer, 'writer.mjs'), WRITER);
    return 'node_modules: agent-farm-state only';
  });
  if (!consumer) return;

  const env = environment({ PATH: restrictedPath });
  await check('af --version (the installed bin, by its #! line)', async () => {
    const { stdout } = await succeed(join(consumer, 'node_modules', '.bin', 'af'), ['--version'], {
      cwd: consumer,
      env,
    });
    expect(/^af\/\d+\.\d+\.\d+/.test(stdout), `printed ${stdout}`);
    return stdout.trim();
  });
  await check('af db dump in a new project', async () => {
    const project = newProject('installed-af');
    const { stdout } = await succeed(join(consumer, 'node_modules', '.bin', 'af'), ['db', 'dump'], {
      cwd: project,
      env,
    });
    expect(
      JSON.stringify(Object.keys(JSON.parse(stdout))) ===
        '["architect","builders","utils","annotations","builder_instructions"]',
      `printed ${stdout}`,
    );
    return 'four empty tables';
  });
  await check('the API from the installed package (upsertBuilder, loadState, getPortBlock)', async () => {
    const { stdout } = await succeed(process.execPath, [join(consumer, 'smoke-main.mjs')], {
      cwd: newProject('installed-api'),
      env,
    });
    const summary = lastJson(stdout);
    smokeBlocks.push(summary.basePort);
    expect(summary.globalMode === '600', `global.db has mode ${summary.globalMode}`);
    return `base port ${summary.basePort}, global.db mode ${summary.globalMode}`;
  });
}
