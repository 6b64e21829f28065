// Each builder's instructions (the prompt its agent was started with), kept beside
// its row so the dashboard can show them and a resumed builder gets them again. A
// table of its own (schema version 2): the native tables stay as they are, and its
// foreign key makes the native version (which turns foreign keys on) delete a
// builder's instructions with the builder.
import { selectAll, selectOne, type SqlDatabase } from '../engine/index.js';

export const LOCAL_SCHEMA_V2 = `
CREATE TABLE builder_instructions (
  builder_id TEXT PRIMARY KEY REFERENCES builders(id) ON DELETE CASCADE,
  prompt TEXT NOT NULL,
  recorded_at TEXT NOT NULL DEFAULT (datetime('now'))
);
`;

export function writeInstructions(db: SqlDatabase, builderId: string, prompt: string | undefined): void {
  db.run('DELETE FROM builder_instructions WHERE builder_id = ?', [builderId]);
  if (prompt !== undefined)
    db.run('INSERT INTO builder_instructions (builder_id, prompt) VALUES (?, ?)', [builderId, prompt]);
}

export function readInstructions(db: SqlDatabase, builderId: string): string | undefined {
  return selectOne(db, 'SELECT prompt FROM builder_instructions WHERE builder_id = ?', [builderId])?.prompt as
    | string
    | undefined;
}

/** Every builder's instructions by its id (rows left by a builder that no longer exists are not given). */
export function readAllInstructions(db: SqlDatabase): Record<string, string> {
  const all: Record<string, string> = {};
  for (const row of selectAll(
    db,
    'SELECT builder_id, prompt FROM builder_instructions WHERE builder_id IN (SELECT id FROM builders)',
  ))
    all[row.builder_id as string] = row.prompt as string;
  return all;
}
