// Our engine behind the benchmark's engine interface: the built package, as a user
// gets it (dist/index.js), with its defaults (busy timeout 5 s, durability 'normal'),
// in a process that sets nothing (no preferBaselineWasmCompiler(), no V8 flag).
import { StateStore } from '../dist/index.js';
import { BUILDER_UPSERT, builderParams } from './workload.mjs';

export const name = 'ours';

export function open(path) {
  return StateStore.open(path);
}

export async function writeProject(store, project) {
  await store.setArchitect(project.architect);
  for (const b of project.builders) await store.upsertBuilder(b);
  for (const u of project.utils) await store.addUtil(u);
  for (const a of project.annotations) await store.addAnnotation(a);
}

/** Writes all `list` in one transaction, with the native upsert SQL. */
export async function prefill(store, list) {
  await store.database.transaction((db) => {
    const statement = db.prepare(BUILDER_UPSERT);
    try {
      for (const b of list) statement.run(builderParams(b));
    } finally {
      statement.free();
    }
  });
}

/** One committed single-row upsert, through the public state API. */
export function upsert(store, b) {
  return store.upsertBuilder(b);
}

/** Deletes every builder in one transaction (after a warm-up). */
export function clearBuilders(store) {
  return store.database.transaction((db) => db.run('DELETE FROM builders'));
}

export function readBuilders(store) {
  return store.getBuilders();
}

/** The whole project's state, as the dashboard reads it. */
export function loadState(store) {
  return store.loadState();
}

export function countBuilders(store) {
  return store.database.read((db) => Number(db.exec('SELECT count(*) FROM builders')[0].values[0][0]));
}

export function sqliteVersion(store) {
  return store.database.read((db) => String(db.exec('SELECT sqlite_version()')[0].values[0][0]));
}

export function close(store) {
  return store.close();
}
