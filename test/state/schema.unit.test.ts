// lib/state/schema.ts: the local schema's CHECK constraints are built from the lists
// in lib/state/types.ts; the text must stay the native version's, byte for byte, so
// existing files (and the adoption of a native file) still match it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LOCAL_SCHEMA_V1 } from '../../lib/state/schema.js';
import { ANNOTATION_PARENT_TYPES, BUILDER_STATUSES, BUILDER_TYPES } from '../../lib/state/types.js';

/** LOCAL_SCHEMA_V1 as lib/state/schema.ts spelled it out before it was built from the lists. */
const NATIVE_LOCAL_SCHEMA_V1 = `
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
    CHECK (status IN ('spawning', 'implementing', 'blocked', 'pr-ready', 'complete')),
  phase TEXT NOT NULL DEFAULT '',
  worktree TEXT NOT NULL,
  branch TEXT NOT NULL,
  tmux_session TEXT,
  type TEXT NOT NULL DEFAULT 'spec'
    CHECK (type IN ('spec', 'task', 'protocol', 'shell', 'worktree')),
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
  parent_type TEXT NOT NULL CHECK (parent_type IN ('architect', 'builder', 'util')),
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

test('LOCAL_SCHEMA_V1 is the native schema, byte for byte', () => {
  assert.is(LOCAL_SCHEMA_V1, NATIVE_LOCAL_SCHEMA_V1);
});

test('the CHECK constraints list the values of the TypeScript types', () => {
  assert.ok(
    LOCAL_SCHEMA_V1.includes(`CHECK (status IN (${BUILDER_STATUSES.map((value) => `'${value}'`).join(', ')}))`),
  );
  assert.ok(LOCAL_SCHEMA_V1.includes(`CHECK (type IN (${BUILDER_TYPES.map((value) => `'${value}'`).join(', ')}))`));
  assert.ok(
    LOCAL_SCHEMA_V1.includes(
      `CHECK (parent_type IN (${ANNOTATION_PARENT_TYPES.map((value) => `'${value}'`).join(', ')}))`,
    ),
  );
});

test.run();
