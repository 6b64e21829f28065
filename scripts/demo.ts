// The quick-start demo: a temporary project whose state file is written by several
// processes' worth of transactions, then read back and printed.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SharedDatabase, type Migration } from '../lib/index.js';

const migrations: Migration[] = [{
  version: 1,
  description: 'a notes table',
  up: (db) => db.run("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL, at TEXT NOT NULL DEFAULT (datetime('now')))"),
}];

const project = mkdtempSync(join(tmpdir(), 'af-demo-'));
const dbPath = join(project, '.agent-farm', 'state.db');
const db = await SharedDatabase.open(dbPath, { migrations });
await Promise.all(['architect started', 'builder 0001 spawned', 'builder 0002 spawned'].map((text) =>
  db.transaction((sql) => sql.run('INSERT INTO notes (text) VALUES (?)', [text]))));
const notes = await db.read((sql) => sql.exec('SELECT id, text, at FROM notes ORDER BY id')[0]?.values ?? []);
console.log(`state file: ${dbPath} (schema version ${await db.schemaVersion()})`);
for (const [id, text, at] of notes) console.log(`  #${id} ${at}  ${text}`);
await db.close();
