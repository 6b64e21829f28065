// The local state's rows: how each application type is written to and read from
// its table. Shared by the state API and the state.json import.
import {
  execute,
  optional,
  type Row,
  selectAll,
  type SqlDatabase,
  type SqlValue,
  withConstraintErrors,
} from '../engine/index.js';
import type {
  Annotation,
  AnnotationParentType,
  ArchitectInput,
  ArchitectState,
  Builder,
  BuilderStatus,
  BuilderType,
  UtilTerminal,
} from './types.js';

function insert(db: SqlDatabase, table: string, row: Record<string, SqlValue | undefined>, conflict: string): void {
  // Absent fields are left out, so the column's default (or NULL) applies.
  const columns = Object.keys(row).filter((column) => row[column] !== undefined);
  const values = columns.map((column) => row[column] as SqlValue);
  withConstraintErrors(table, row, () =>
    execute(
      db,
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ${conflict}`,
      values,
    ),
  );
}

export function writeArchitect(db: SqlDatabase, architect: ArchitectInput): void {
  insert(
    db,
    'architect',
    {
      id: 1,
      pid: architect.pid,
      port: architect.port,
      cmd: architect.cmd,
      started_at: architect.startedAt,
      tmux_session: architect.tmuxSession,
    },
    'ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, port = excluded.port, cmd = excluded.cmd, started_at = excluded.started_at, tmux_session = excluded.tmux_session',
  );
}

/** Inserts the builder; with 'upsert', an existing builder with the same id gets every field updated instead. */
export function writeBuilder(db: SqlDatabase, builder: Builder, mode: 'upsert' | 'insert' = 'upsert'): void {
  insert(
    db,
    'builders',
    {
      id: builder.id,
      name: builder.name,
      port: builder.port,
      pid: builder.pid,
      status: builder.status,
      phase: builder.phase,
      worktree: builder.worktree,
      branch: builder.branch,
      tmux_session: builder.tmuxSession,
      type: builder.type,
      task_text: builder.taskText,
      protocol_name: builder.protocolName,
    },
    mode === 'insert'
      ? ''
      : `ON CONFLICT (id) DO UPDATE SET name = excluded.name, port = excluded.port, pid = excluded.pid,
    status = excluded.status, phase = excluded.phase, worktree = excluded.worktree, branch = excluded.branch,
    tmux_session = excluded.tmux_session, type = excluded.type, task_text = excluded.task_text,
    protocol_name = excluded.protocol_name`,
  );
}

export function writeUtil(db: SqlDatabase, util: UtilTerminal): void {
  insert(
    db,
    'utils',
    { id: util.id, name: util.name, port: util.port, pid: util.pid, tmux_session: util.tmuxSession },
    '',
  );
}

export function writeAnnotation(db: SqlDatabase, annotation: Annotation): void {
  insert(
    db,
    'annotations',
    {
      id: annotation.id,
      file: annotation.file,
      port: annotation.port,
      pid: annotation.pid,
      parent_type: annotation.parent?.type,
      parent_id: annotation.parent?.id,
    },
    '',
  );
}

export function readArchitect(db: SqlDatabase): ArchitectState | null {
  const [row] = selectAll(db, 'SELECT * FROM architect WHERE id = 1');
  if (!row) return null;
  return withoutUndefined({
    port: row.port as number,
    pid: row.pid as number,
    cmd: row.cmd as string,
    startedAt: row.started_at as string,
    tmuxSession: optional(row.tmux_session as string | null),
  });
}

// rowid breaks ties between rows started within the same second.
export function readBuilders(db: SqlDatabase, where = '', params: SqlValue[] = []): Builder[] {
  return selectAll(db, `SELECT * FROM builders ${where} ORDER BY started_at, rowid`, params).map(toBuilder);
}

export function readUtils(db: SqlDatabase): UtilTerminal[] {
  return selectAll(db, 'SELECT * FROM utils ORDER BY started_at, rowid').map((row) =>
    withoutUndefined({
      id: row.id as string,
      name: row.name as string,
      port: row.port as number,
      pid: row.pid as number,
      tmuxSession: optional(row.tmux_session as string | null),
    }),
  );
}

export function readAnnotations(db: SqlDatabase): Annotation[] {
  return selectAll(db, 'SELECT * FROM annotations ORDER BY started_at, rowid').map((row) => ({
    id: row.id as string,
    file: row.file as string,
    port: row.port as number,
    pid: row.pid as number,
    parent: withoutUndefined({
      type: row.parent_type as AnnotationParentType,
      id: optional(row.parent_id as string | null),
    }),
  }));
}

function toBuilder(row: Row): Builder {
  return withoutUndefined({
    id: row.id as string,
    name: row.name as string,
    port: row.port as number,
    pid: row.pid as number,
    status: row.status as BuilderStatus,
    phase: row.phase as string,
    worktree: row.worktree as string,
    branch: row.branch as string,
    tmuxSession: optional(row.tmux_session as string | null),
    type: row.type as BuilderType,
    taskText: optional(row.task_text as string | null),
    protocolName: optional(row.protocol_name as string | null),
  });
}

/**
 * Absent optional fields are left out entirely, as the native version returns them.
 * A new object, not `delete`: an object that lost a property is slower to read and copy.
 */
function withoutUndefined<T extends object>(value: T): T {
  const result: Partial<T> = {};
  for (const key of Object.keys(value) as Array<keyof T>) if (value[key] !== undefined) result[key] = value[key];
  return result as T;
}
