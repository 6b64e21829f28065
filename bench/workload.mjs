// The rows the benchmarks write: builder-shaped rows of about 200 bytes.
export const migrations = [{
  version: 1,
  description: 'bench rows',
  up: (db) => db.run(`CREATE TABLE rows (id TEXT PRIMARY KEY, name TEXT NOT NULL, port INTEGER NOT NULL,
    status TEXT NOT NULL, worktree TEXT NOT NULL, updated_at TEXT NOT NULL DEFAULT (datetime('now')))`),
}];

export const UPSERT = `INSERT INTO rows (id, name, port, status, worktree) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET name = excluded.name, port = excluded.port, status = excluded.status,
  worktree = excluded.worktree, updated_at = datetime('now')`;

export function rowValues(id, n) {
  return [id, `builder ${id} working on a task`, 4210 + (n % 20), 'implementing', `/home/user/project/.builders/${id}`];
}

export function prefill(sql, count) {
  for (let i = 0; i < count; i++) sql.run(UPSERT, rowValues(`prefill-${i}`, i));
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}
