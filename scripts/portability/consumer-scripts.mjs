// What consumers run: the same program by import, by require, and through the embedded
// entry, and the writer that runs on several runtimes at once.
import { BLOCKS_PER_RUNTIME, WRITES_PER_RUNTIME } from './runner.mjs';

const SMOKE_BODY = `
const runtime = typeof Bun !== 'undefined' ? 'bun ' + Bun.version : typeof Deno !== 'undefined' ? 'deno ' + Deno.version.deno : 'node ' + process.versions.node;
async function main() {
  const { statSync } = await import('node:fs');
  const id = 'B-' + Math.random().toString(36).slice(2, 8);
  const basePort = await af.getPortBlock(process.cwd());
  if ((await af.getPortBlock(process.cwd())) !== basePort) throw new Error('a second getPortBlock gave another block');
  await af.upsertBuilder({ id, name: 'smoke', port: af.portLayout(basePort).builders.first, pid: process.pid, status: 'implementing', phase: '', worktree: process.cwd(), branch: 'main', type: 'spec' });
  await af.upsertBuilder({ id, name: 'smoke', port: af.portLayout(basePort).builders.first, pid: process.pid, status: 'pr-ready', phase: 'review', worktree: process.cwd(), branch: 'main', type: 'spec' });
  const state = await af.loadState();
  const builder = await af.getBuilder(id);
  if (state.builders.length !== 1 || builder?.status !== 'pr-ready' || builder.tmuxSession !== undefined) throw new Error('unexpected state ' + JSON.stringify(state));
  const globalMode = (statSync(af.globalDbPath()).mode & 0o777).toString(8);
  await af.closeDb();
  await af.closeGlobalDb();
  console.log(JSON.stringify({ runtime, basePort, id, globalMode, stateDb: af.stateDbPath() }));
}
main().catch((error) => { console.error(runtime, error && error.code, error && error.stack || error); process.exitCode = 1; });
`;
export const smokeEsm = (entry) => `import * as af from ${JSON.stringify(entry)};\n${SMOKE_BODY}`;
export const smokeCjs = (entry) => `const af = require(${JSON.stringify(entry)});\n${SMOKE_BODY}`;

/** Writes WRITES_PER_RUNTIME builders and takes BLOCKS_PER_RUNTIME port blocks, starting at START_AT. */
export const WRITER = `
import { PortRegistry, StateStore } from 'agent-farm-state';
const { WRITER_TAG: tag, WRITER_PORT: port, STATE_DB: stateDb, GLOBAL_DB: globalDb, START_AT: startAt } = process.env;
const store = await StateStore.open(stateDb, { busyTimeout: 60000 });
const registry = await PortRegistry.open(globalDb, { busyTimeout: 60000 });
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
const first = Date.now();
for (let i = 0; i < ${WRITES_PER_RUNTIME}; i++) {
  await store.upsertBuilder({ id: tag + '-' + i, name: tag, port: Number(port) + i, pid: process.pid, status: 'spawning', phase: '', worktree: '/w', branch: 'b', type: 'task' });
  if (i % ${WRITES_PER_RUNTIME / BLOCKS_PER_RUNTIME} === 0) await registry.getPortBlock('remote:' + tag + '-' + i);
}
const last = Date.now();
await store.close();
await registry.close();
console.log(JSON.stringify({ tag, first, last }));
`;
