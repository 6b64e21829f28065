// Our side of the foreign-writes test: one transaction per round, between two
// writes of the sqlite3 shell. What it saw of the shell's last write is what it
// returns; what it writes the shell must read back.
import { selectOne, type SqlDatabase } from '../../lib/engine/index.js';

/** insert: a row of its own; nothing: writes nothing; restore: puts back a value the shell changed. */
export const TURN_KINDS = ['insert', 'nothing', 'restore'] as const;
export type TurnKind = (typeof TURN_KINDS)[number];

/** The rows the rounds start from: the shell's mark, and a value we restore (in no index, so SQLite rewrites no page that keeps its bytes). */
export const START_ROWS = "INSERT INTO items VALUES ('mark', 0); UPDATE migration_runs SET pid = 0";

/** Puts back the value the shell changes. */
export const RESTORE = 'UPDATE migration_runs SET pid = 0';

/** The shell's write of `round`: its mark, a row of its own, and the value we restore. */
export const shellWrite = (round: number) =>
  `UPDATE items SET seq = ${round} WHERE writer = 'mark'; INSERT INTO items VALUES ('shell', ${round}); ` +
  `UPDATE migration_runs SET pid = ${round}`;

/** What the shell reads after a round: "mark|shell rows|restored value|our rows". */
export const SHELL_CHECK =
  "SELECT (SELECT seq FROM items WHERE writer = 'mark'), (SELECT count(*) FROM items WHERE writer = 'shell'), " +
  "(SELECT pid FROM migration_runs), (SELECT count(*) FROM items WHERE writer LIKE 'ours-%')";

/** One transaction of ours in `round`: returns "mark shell-rows" as it saw them. */
export function ourTurn(sql: SqlDatabase, round: number, kind: TurnKind, who: string): string {
  const mark = selectOne(sql, "SELECT seq FROM items WHERE writer = 'mark'")!.seq;
  const shellRows = selectOne(sql, "SELECT count(*) AS n FROM items WHERE writer = 'shell'")!.n;
  if (kind === 'insert') sql.run('INSERT INTO items VALUES (?, ?)', [`ours-${who}`, round]);
  if (kind === 'restore') sql.run(RESTORE);
  return `${mark} ${shellRows}`;
}
