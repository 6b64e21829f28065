// The native version's DDL, as its migration 1 runs it: fixtures made with the sqlite3
// shell from this text are independent of this package's own schema code.
export const NATIVE_LOCAL_DDL = `
CREATE TABLE architect (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL, port INTEGER NOT NULL, cmd TEXT NOT NULL,
  started_at TEXT NOT NULL DEFAULT (datetime('now')), tmux_session TEXT);
CREATE TABLE builders (id TEXT PRIMARY KEY, name TEXT NOT NULL, port INTEGER NOT NULL UNIQUE, pid INTEGER NOT NULL,
  status TEXT NOT NULL DEFAULT 'spawning' CHECK (status IN ('spawning', 'implementing', 'blocked', 'pr-ready', 'complete')),
  phase TEXT NOT NULL DEFAULT '', worktree TEXT NOT NULL, branch TEXT NOT NULL, tmux_session TEXT,
  type TEXT NOT NULL DEFAULT 'spec' CHECK (type IN ('spec', 'task', 'protocol', 'shell', 'worktree')),
  task_text TEXT, protocol_name TEXT, started_at TEXT NOT NULL DEFAULT (datetime('now')), updated_at TEXT NOT NULL DEFAULT (datetime('now')));
CREATE INDEX idx_builders_status ON builders(status);
CREATE INDEX idx_builders_port ON builders(port);
CREATE TABLE utils (id TEXT PRIMARY KEY, name TEXT NOT NULL, port INTEGER NOT NULL UNIQUE, pid INTEGER NOT NULL, tmux_session TEXT,
  started_at TEXT NOT NULL DEFAULT (datetime('now')));
CREATE TABLE annotations (id TEXT PRIMARY KEY, file TEXT NOT NULL, port INTEGER NOT NULL UNIQUE, pid INTEGER NOT NULL,
  parent_type TEXT NOT NULL CHECK (parent_type IN ('architect', 'builder', 'util')), parent_id TEXT, started_at TEXT NOT NULL DEFAULT (datetime('now')));
CREATE TRIGGER builders_updated_at AFTER UPDATE ON builders FOR EACH ROW BEGIN UPDATE builders SET updated_at = datetime('now') WHERE id = NEW.id; END;
`;
export const NATIVE_GLOBAL_DDL = `
CREATE TABLE port_allocations (project_path TEXT PRIMARY KEY,
  base_port INTEGER NOT NULL UNIQUE CHECK (base_port >= 4200 AND base_port % 100 = 0),
  pid INTEGER, registered_at TEXT NOT NULL DEFAULT (datetime('now')), last_used_at TEXT NOT NULL DEFAULT (datetime('now')));
CREATE INDEX idx_port_allocations_base_port ON port_allocations(base_port);
`;
export const MIGRATIONS_DDL =
  "CREATE TABLE _migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT (datetime('now')));";
