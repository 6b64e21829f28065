// The bin's commands start without the dashboard's and the tower's servers, their pages and xterm.js:
// those are split into dist/af/ and imported by those servers' processes alone. Shown
// on a copy of the package that keeps only the files the bin imports statically.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afEnvironment } from '../helpers/af.js';
import { finished, inFolder } from '../helpers/processes.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** `entry` and every file it imports statically (`import … from "./…"`, not `import("./…")`), transitively. */
function staticallyLoaded(entry: string): Set<string> {
  const loaded = new Set<string>();
  const visit = (file: string) => {
    if (loaded.has(file)) return;
    loaded.add(file);
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*"(\.{1,2}\/[^"]+)"/g))
      visit(join(dirname(file), specifier!));
  };
  visit(entry);
  return loaded;
}

test(
  'the reading, db and ports commands load neither the pages nor xterm.js, and run without the files that hold them',
  inFolder(async (folder) => {
    const copy = join(folder, 'package');
    for (const part of ['package.json', 'dist', 'wasm'])
      cpSync(join(root, part), join(copy, part), { recursive: true });
    const bin = join(copy, 'dist', 'af.js');
    const loaded = staticallyLoaded(bin);
    for (const file of loaded) {
      const text = readFileSync(file, 'utf8');
      assert.not.ok(text.includes('xterm-helper-textarea'), `${relative(copy, file)} holds xterm.js`);
      assert.not.ok(text.includes('PAGE_ASSETS'), `${relative(copy, file)} holds the pages`);
    }
    const chunks = join(copy, 'dist', 'af');
    const unused = readdirSync(chunks).filter((name) => !loaded.has(join(chunks, name)));
    assert.ok(unused.length > 0, 'the dashboard process has chunks of its own');
    for (const name of unused) rmSync(join(chunks, name));

    const project = join(folder, 'project');
    mkdirSync(join(project, '.agent-farm'), { recursive: true });
    writeFileSync(join(project, '.agent-farm', 'state.json'), JSON.stringify({ builders: [] }));
    for (const args of [
      ['--version'],
      ['status', '--json'],
      ['db', 'dump'],
      ['db', 'stats'],
      ['ports', 'list'],
      ['tower', 'stop'],
    ]) {
      const child = spawn(process.execPath, [bin, ...args], {
        cwd: project,
        env: afEnvironment({ cwd: project, home: join(folder, 'home') }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const result = await finished(child);
      assert.is(result.code, 0, `af ${args.join(' ')}: ${result.stderr}`);
    }
  }),
);

test.run();
