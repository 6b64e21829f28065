// What the benchmarks write and read, shared by both engines and every process of
// the benchmark: builder records shaped like the native version's, the native
// upsert SQL, the native local schema, a typical project, and the statistics.
// Nothing here loads either engine: the schema comes from dist/schemas.js, which
// holds the schemas' text and nothing else.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOCAL_SCHEMA_V1 } from '../dist/schemas.js';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const ROOT_DIR = dirname(BENCH_DIR);

/** A builder as the state API takes it; `n` varies the text so rows are not all alike. */
export function builder(id, port, n = 0) {
  return {
    id,
    name: `builder ${id} working on spec ${n}`,
    port,
    pid: 10_000 + (n % 50_000),
    status: 'implementing',
    phase: n % 2 ? 'implement' : 'review',
    worktree: `/home/user/project/.builders/${id}`,
    branch: `builder/${id}`,
    type: 'spec',
  };
}

/**
 * `count` builders `<prefix>-<i>` on ports `portBase + i`: distinct ids and distinct
 * ports (the `port` column is UNIQUE), so parallel writers never collide.
 */
export function builders(prefix, count, portBase) {
  return Array.from({ length: count }, (_, i) => builder(`${prefix}-${i}`, portBase + i, i));
}

/** The native version's upsertBuilder: insert, or update every field of the same id. */
/** The upserts the floor (bench/floor.mjs) commits before it measures, to warm up. */
export const FLOOR_WARM_UP = 1000;

export const BUILDER_UPSERT = `INSERT INTO builders (id, name, port, pid, status, phase, worktree, branch,
    tmux_session, type, task_text, protocol_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET name = excluded.name, port = excluded.port, pid = excluded.pid,
    status = excluded.status, phase = excluded.phase, worktree = excluded.worktree, branch = excluded.branch,
    tmux_session = excluded.tmux_session, type = excluded.type, task_text = excluded.task_text,
    protocol_name = excluded.protocol_name`;

export function builderParams(b) {
  return [
    b.id,
    b.name,
    b.port,
    b.pid,
    b.status,
    b.phase,
    b.worktree,
    b.branch,
    b.tmuxSession ?? null,
    b.type,
    b.taskText ?? null,
    b.protocolName ?? null,
  ];
}

/** All builders, in the order the state API returns them. */
export const SELECT_BUILDERS = 'SELECT * FROM builders ORDER BY started_at, rowid';

/** A builder row as the state API returns it (camelCase, absent nullable fields). */
export function builderFromRow(row) {
  const b = {
    id: row.id,
    name: row.name,
    port: row.port,
    pid: row.pid,
    status: row.status,
    phase: row.phase,
    worktree: row.worktree,
    branch: row.branch,
    tmuxSession: row.tmux_session ?? undefined,
    type: row.type,
    taskText: row.task_text ?? undefined,
    protocolName: row.protocol_name ?? undefined,
  };
  for (const key of Object.keys(b)) if (b[key] === undefined) delete b[key];
  return b;
}

/** The native version's local schema, version 1, as the package defines it (built into dist/schemas.js). */
export function nativeLocalSchema() {
  return LOCAL_SCHEMA_V1;
}

export const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS _migrations (
  version INTEGER PRIMARY KEY,
  applied_at TEXT NOT NULL DEFAULT (datetime('now'))
)`;

/** A typical project: an architect, five builders, two utility terminals, two annotations. */
export function typicalProject() {
  const base = 4200;
  return {
    architect: { port: base + 1, pid: 4242, cmd: 'claude --model opus', tmuxSession: 'af-architect' },
    builders: Array.from({ length: 5 }, (_, i) => ({
      ...builder(`spec-${i + 1}`, base + 10 + i, i),
      tmuxSession: `af-builder-${i + 1}`,
    })),
    utils: [
      { id: 'util-1', name: 'shell', port: base + 30, pid: 5001, tmuxSession: 'af-util-1' },
      { id: 'util-2', name: 'logs', port: base + 31, pid: 5002 },
    ],
    annotations: [
      { id: 'ann-1', file: 'codev/specs/0001-spec.md', port: base + 50, pid: 6001, parent: { type: 'architect' } },
      { id: 'ann-2', file: 'src/index.ts', port: base + 51, pid: 6002, parent: { type: 'builder', id: 'spec-1' } },
    ],
  };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Nearest-rank percentile (p in 0..1). */
export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * p) - 1))];
}
