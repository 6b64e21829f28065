// 3. Node, Bun and Deno writing the same state.db and global.db at once lose nothing.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { consumer, restrictedPath } from './install.mjs';
import {
  BLOCKS_PER_RUNTIME,
  check,
  environment,
  expect,
  lastJson,
  seconds,
  skip,
  succeed,
  WRITES_PER_RUNTIME,
  work,
} from './runner.mjs';
import { runtimeArgs } from './runtimes.mjs';

export async function writingTogether(runtimes) {
  const writers = ['node 22', 'bun', 'deno'].filter((name) => runtimes[name]);
  const name = `${writers.join(', ')} write one state.db and one global.db at once and lose nothing`;
  if (writers.length < 2) return skip(name, 'fewer than two runtimes found');
  await check(name, async () => {
    const folder = join(work, 'together');
    mkdirSync(folder);
    const stateDb = join(folder, 'project', '.agent-farm', 'state.db');
    const globalDb = join(folder, 'home', '.agent-farm', 'global.db');
    const startAt = String(Date.now() + 3000);
    const runs = await Promise.all(
      writers.map((runtime, index) =>
        succeed(runtimes[runtime].path, runtimeArgs(runtime, join(consumer, 'writer.mjs')), {
          cwd: consumer,
          env: environment({
            PATH: restrictedPath,
            WRITER_TAG: runtime.replace(' ', ''),
            WRITER_PORT: String(10_000 + index * 1000),
            STATE_DB: stateDb,
            GLOBAL_DB: globalDb,
            START_AT: startAt,
          }),
        }),
      ),
    );
    const spans = runs.map((result) => lastJson(result.stdout));
    const overlap = Math.min(...spans.map((span) => span.last)) - Math.max(...spans.map((span) => span.first));
    expect(overlap > 0, `the writers did not run at the same time: ${JSON.stringify(spans)}`);
    const counted = await succeed(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `
      import { StateStore, PortRegistry } from 'agent-farm-state';
      const store = await StateStore.open(${JSON.stringify(stateDb)});
      const state = await store.loadState();
      const integrity = await store.database.read((sql) => sql.exec('PRAGMA integrity_check')[0].values[0][0]);
      await store.close();
      const registry = await PortRegistry.open(${JSON.stringify(globalDb)});
      const blocks = (await registry.listAllocations()).map((a) => a.basePort);
      await registry.close();
      console.log(JSON.stringify({ ids: state.builders.map((b) => b.id), ports: state.builders.map((b) => b.port), integrity, blocks }));
    `,
      ],
      { cwd: consumer, env: environment({ PATH: restrictedPath }) },
    );
    const { ids, ports, integrity, blocks } = lastJson(counted.stdout);
    const expectedRows = writers.length * WRITES_PER_RUNTIME;
    const expectedBlocks = writers.length * BLOCKS_PER_RUNTIME;
    expect(integrity === 'ok', `integrity_check: ${integrity}`);
    expect(
      ids.length === expectedRows && new Set(ids).size === expectedRows,
      `${ids.length} builders (${new Set(ids).size} distinct), expected ${expectedRows}`,
    );
    expect(new Set(ports).size === expectedRows, 'builders share a port');
    expect(
      blocks.length === expectedBlocks && new Set(blocks).size === expectedBlocks,
      `${blocks.length} port blocks (${new Set(blocks).size} distinct), expected ${expectedBlocks}`,
    );
    return `${expectedRows} builders and ${expectedBlocks} port blocks, integrity ok, writers overlapped ${seconds(overlap)}`;
  });
}
