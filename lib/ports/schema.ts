// The native version's global schema (global.db), version 1.
export const GLOBAL_SCHEMA_V1 = `
CREATE TABLE port_allocations (
  project_path TEXT PRIMARY KEY,
  base_port INTEGER NOT NULL UNIQUE CHECK (base_port >= 4200 AND base_port % 100 = 0),
  pid INTEGER,
  registered_at TEXT NOT NULL DEFAULT (datetime('now')),
  last_used_at TEXT NOT NULL DEFAULT (datetime('now'))
);

CREATE INDEX idx_port_allocations_base_port ON port_allocations(base_port);
`;

/** The registry's tables; `af db dump --global` prints them empty when there is no global.db yet. */
export const GLOBAL_TABLES = ['port_allocations'] as const;
