// The floor: what a commit would cost if the engine added nothing to sql.js. The
// same schema in an in-memory sql.js database (the package's own WebAssembly), one
// prepared upsert, each in its own BEGIN IMMEDIATE … COMMIT, after a warm-up, in a
// process started with --liftoff-only. `node --liftoff-only floor.mjs <commits>`
// prints { ms, cpuMs } of the measured commits as one JSON line.
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import {
  BUILDER_UPSERT,
  FLOOR_WARM_UP,
  MIGRATIONS_TABLE,
  ROOT_DIR,
  builderParams,
  builders,
  nativeLocalSchema,
} from './workload.mjs';

const commits = Number(process.argv[2] ?? 1000);

const SQL = await initSqlJs({ locateFile: () => join(ROOT_DIR, 'wasm', 'sql-wasm.wasm') });
const db = new SQL.Database();
db.exec('PRAGMA page_size = 1024');
db.exec(MIGRATIONS_TABLE);
db.exec(nativeLocalSchema());
const upsert = db.prepare(BUILDER_UPSERT);
const commitEach = (list) => {
  for (const b of list) {
    db.exec('BEGIN IMMEDIATE');
    upsert.run(builderParams(b));
    db.exec('COMMIT');
  }
};
commitEach(builders('warm-up', FLOOR_WARM_UP, 100_000));
db.exec('DELETE FROM builders'); // measured on an empty table, as the warm writers start
const list = builders('floor', commits, 10_000);
const cpuBefore = process.cpuUsage();
const start = performance.now();
commitEach(list);
const ms = performance.now() - start;
const cpu = process.cpuUsage(cpuBefore);
upsert.free();
db.close();
process.stdout.write(`${JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
