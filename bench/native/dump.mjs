#!/usr/bin/env node
// The native side of the cold-dump benchmark: a bare better-sqlite3 script that does
// what the native `af db dump` does to a project's state.db: open it configured like
// the native version, and print the four tables as one JSON object of arrays.
// Usage: node dump.mjs [path to state.db]   (default: .agent-farm/state.db)
import Database from 'better-sqlite3';

const db = new Database(process.argv[2] ?? '.agent-farm/state.db', { fileMustExist: true });
db.pragma('journal_mode = WAL');
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = NORMAL');
const tables = {};
for (const table of ['architect', 'builders', 'utils', 'annotations'])
  tables[table] = db.prepare(`SELECT * FROM ${table}`).all();
db.close();
process.stdout.write(`${JSON.stringify(tables, null, 2)}\n`);
