// How each builder was started: its command and the prompt its agent was given, kept
// beside its row so the dashboard can show the prompt and a resumed builder gets the
// same command and prompt again. A table of its own (schema version 2): the native
// tables stay as they are, and its foreign key makes the native version (which turns
// foreign keys on) delete a builder's row here with the builder.
import { selectAll, selectOne, type SqlDatabase } from '../engine/index.js';

export const LOCAL_SCHEMA_V2 = `
CREATE TABLE builder_instructions (
  builder_id TEXT PRIMARY KEY REFERENCES builders(id) ON DELETE CASCADE,
  command TEXT NOT NULL,
  prompt TEXT,
  recorded_at TEXT NOT NULL DEFAULT (datetime('now'))
);
`;

/** The command a builder was started with, and its prompt (none for shell and worktree builders). */
export interface BuilderLaunch {
  command: string;
  prompt?: string;
}

/** Records (or with `undefined`, forgets) how the builder was started. */
export function writeInstructions(db: SqlDatabase, builderId: string, launch: BuilderLaunch | undefined): void {
  db.run('DELETE FROM builder_instructions WHERE builder_id = ?', [builderId]);
  if (launch)
    db.run('INSERT INTO builder_instructions (builder_id, command, prompt) VALUES (?, ?, ?)', [
      builderId,
      launch.command,
      launch.prompt ?? null,
    ]);
}

export function readInstructions(db: SqlDatabase, builderId: string): BuilderLaunch | undefined {
  const row = selectOne(db, 'SELECT command, prompt FROM builder_instructions WHERE builder_id = ?', [builderId]);
  if (!row) return undefined;
  return row.prompt === null
    ? { command: row.command as string }
    : { command: row.command as string, prompt: row.prompt as string };
}

/** Every builder's prompt by its id (rows left by a builder that no longer exists are not given). */
export function readAllPrompts(db: SqlDatabase): Record<string, string> {
  const all: Record<string, string> = {};
  for (const row of selectAll(
    db,
    'SELECT builder_id, prompt FROM builder_instructions WHERE prompt IS NOT NULL AND builder_id IN (SELECT id FROM builders)',
  ))
    all[row.builder_id as string] = row.prompt as string;
  return all;
}
