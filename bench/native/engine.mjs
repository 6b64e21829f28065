// better-sqlite3 configured like the native version (journal_mode=WAL,
// busy_timeout=5000, synchronous=NORMAL, the native local schema), behind the
// benchmark's engine interface. Statements are prepared once per connection.
import Database from 'better-sqlite3';
import {
  BUILDER_UPSERT,
  MIGRATIONS_TABLE,
  SELECT_BUILDERS,
  builderFromRow,
  builderParams,
  nativeLocalSchema,
} from '../workload.mjs';

export const name = 'native';

export function open(path) {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = NORMAL');
  const applied =
    db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_migrations'").get() &&
    db.prepare('SELECT 1 FROM _migrations WHERE version = 1').get();
  if (!applied) {
    db.transaction(() => {
      db.exec(MIGRATIONS_TABLE);
      db.exec(nativeLocalSchema());
      db.prepare('INSERT INTO _migrations (version) VALUES (1)').run();
    }).immediate();
  }
  return {
    db,
    upsert: db.prepare(BUILDER_UPSERT),
    select: db.prepare(SELECT_BUILDERS),
    state: {
      architect: db.prepare('SELECT * FROM architect WHERE id = 1'),
      utils: db.prepare('SELECT * FROM utils ORDER BY started_at, rowid'),
      annotations: db.prepare('SELECT * FROM annotations ORDER BY started_at, rowid'),
    },
  };
}

export function writeProject({ db, upsert }, project) {
  const a = project.architect;
  db.prepare('INSERT INTO architect (id, pid, port, cmd, tmux_session) VALUES (1, ?, ?, ?, ?)').run(
    a.pid,
    a.port,
    a.cmd,
    a.tmuxSession ?? null,
  );
  for (const b of project.builders) upsert.run(builderParams(b));
  const util = db.prepare('INSERT INTO utils (id, name, port, pid, tmux_session) VALUES (?, ?, ?, ?, ?)');
  for (const u of project.utils) util.run(u.id, u.name, u.port, u.pid, u.tmuxSession ?? null);
  const annotation = db.prepare(
    'INSERT INTO annotations (id, file, port, pid, parent_type, parent_id) VALUES (?, ?, ?, ?, ?, ?)',
  );
  for (const x of project.annotations) annotation.run(x.id, x.file, x.port, x.pid, x.parent.type, x.parent.id ?? null);
}

/** Writes all `list` in one transaction. */
export function prefill({ db, upsert }, list) {
  db.transaction(() => {
    for (const b of list) upsert.run(builderParams(b));
  })();
}

/** One committed single-row upsert (autocommit), as the native upsertBuilder does. */
export function upsert({ upsert: statement }, b) {
  statement.run(builderParams(b));
}

/** Deletes every builder in one transaction (after a warm-up). */
export function clearBuilders({ db }) {
  db.exec('DELETE FROM builders');
}

export function readBuilders({ select }) {
  return select.all().map(builderFromRow);
}

/** The four tables mapped to the state API's objects in one read transaction, as the native loadState does. */
export function loadState({ db, select, state }) {
  return db.transaction(() => {
    const architect = state.architect.get();
    return {
      architect: architect
        ? withoutAbsent({
            port: architect.port,
            pid: architect.pid,
            cmd: architect.cmd,
            startedAt: architect.started_at,
            tmuxSession: architect.tmux_session ?? undefined,
          })
        : null,
      builders: select.all().map(builderFromRow),
      utils: state.utils.all().map((row) =>
        withoutAbsent({
          id: row.id,
          name: row.name,
          port: row.port,
          pid: row.pid,
          tmuxSession: row.tmux_session ?? undefined,
        }),
      ),
      annotations: state.annotations.all().map((row) => ({
        id: row.id,
        file: row.file,
        port: row.port,
        pid: row.pid,
        parent: withoutAbsent({ type: row.parent_type, id: row.parent_id ?? undefined }),
      })),
    };
  })();
}

function withoutAbsent(record) {
  for (const key of Object.keys(record)) if (record[key] === undefined) delete record[key];
  return record;
}

export function countBuilders({ db }) {
  return db.prepare('SELECT count(*) AS n FROM builders').get().n;
}

export function sqliteVersion({ db }) {
  return db.prepare('SELECT sqlite_version() AS v').get().v;
}

export function close({ db }) {
  db.close();
}
