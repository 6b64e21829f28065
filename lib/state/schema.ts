// The native version's local schema (state.db), version 1, column for column, so a
// file written by either version reads in the other. Its CHECK constraints list the
// values of types.ts (BUILDER_STATUSES, BUILDER_TYPES, ANNOTATION_PARENT_TYPES), so
// the TypeScript types and the schema come from one list; the text is the native
// version's byte for byte (test/unit/state-schema.unit.test.ts), which is what
// adopting a native file compares.
import { ANNOTATION_PARENT_TYPES, BUILDER_STATUSES, BUILDER_TYPES } from './types.js';

/** `'a', 'b', 'c'`: the values as an SQL list (they hold no quote). */
const sqlList = (values: readonly string[]) => values.map((value) => `'${value}'`).join(', ');

export const LOCAL_SCHEMA_V1 = `
CREATE TABLE architect (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  pid INTEGER NOT NULL,
  port INTEGER NOT NULL,
  cmd TEXT NOT NULL,
  started_at TEXT NOT NULL DEFAULT (datetime('now')),
  tmux_session TEXT
);

CREATE TABLE builders (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  port INTEGER NOT NULL UNIQUE,
  pid INTEGER NOT NULL,
  status TEXT NOT NULL DEFAULT 'spawning'
    CHECK (status IN (${sqlList(BUILDER_STATUSES)})),
  phase TEXT NOT NULL DEFAULT '',
  worktree TEXT NOT NULL,
  branch TEXT NOT NULL,
  tmux_session TEXT,
  type TEXT NOT NULL DEFAULT 'spec'
    CHECK (type IN (${sqlList(BUILDER_TYPES)})),
  task_text TEXT,
  protocol_name TEXT,
  started_at TEXT NOT NULL DEFAULT (datetime('now')),
  updated_at TEXT NOT NULL DEFAULT (datetime('now'))
);

CREATE INDEX idx_builders_status ON builders(status);
CREATE INDEX idx_builders_port ON builders(port);

CREATE TABLE utils (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  port INTEGER NOT NULL UNIQUE,
  pid INTEGER NOT NULL,
  tmux_session TEXT,
  started_at TEXT NOT NULL DEFAULT (datetime('now'))
);

CREATE TABLE annotations (
  id TEXT PRIMARY KEY,
  file TEXT NOT NULL,
  port INTEGER NOT NULL UNIQUE,
  pid INTEGER NOT NULL,
  parent_type TEXT NOT NULL CHECK (parent_type IN (${sqlList(ANNOTATION_PARENT_TYPES)})),
  parent_id TEXT,
  started_at TEXT NOT NULL DEFAULT (datetime('now'))
);

CREATE TRIGGER builders_updated_at
  AFTER UPDATE ON builders
  FOR EACH ROW
  BEGIN
    UPDATE builders SET updated_at = datetime('now') WHERE id = NEW.id;
  END;
`;

/**
 * The tables (the native four, then the builders' instructions of version 2), in the
 * order `clearState` empties them; `af db dump` prints them empty when there is no file yet.
 */
export const LOCAL_TABLES = ['architect', 'builders', 'utils', 'annotations', 'builder_instructions'] as const;
