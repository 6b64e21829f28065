// One parallel writer: opens the file and commits `count` single-row upserts.
import { SharedDatabase } from '../dist/index.js';
import { migrations, rowValues, UPSERT } from './workload.mjs';

const [dbPath, writer, count] = process.argv.slice(2);
const db = await SharedDatabase.open(dbPath, { migrations, busyTimeout: 60_000 });
for (let i = 0; i < Number(count); i++) await db.transaction((sql) => sql.run(UPSERT, rowValues(`${writer}-${i}`, i)));
await db.close();
