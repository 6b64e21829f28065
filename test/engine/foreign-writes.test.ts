// The sqlite3 shell, which does not see this package's lock, writing between the
// transactions of processes that keep the file open: every shell write is seen by
// the next transaction of ours and survives it, whether that transaction writes
// rows, writes nothing, or writes back bytes its stale copy already held (and
// whether it runs on a lock kept from its previous transaction); the shell reads
// every commit of ours.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { SharedDatabase } from '../../lib/engine/index.js';
import { withClockStopped } from '../helpers/clock.js';
import { itemsMigrations } from '../helpers/items-schema.js';
import { finished, inFolder, startWorker, waitForLine } from '../helpers/processes.js';
import {
  ourTurn,
  RESTORE,
  SHELL_CHECK,
  shellWrite,
  START_ROWS,
  TURN_KINDS,
  type TurnKind,
} from '../helpers/foreign-turns.js';
import { sqliteShell } from '../helpers/sqlite-shell.js';

const ROUNDS = 45;

/** Sends one round to a `turns` worker and resolves to what its transaction saw. */
function askWorker(worker: ChildProcess, lines: AsyncIterator<string>, round: number, kind: TurnKind): Promise<string> {
  worker.stdin!.write(`${round} ${kind}\n`);
  return lines.next().then(({ value, done }) => {
    if (done) throw new Error(`the worker ended before answering round ${round}`);
    const [answered, ...seen] = String(value).split(' ');
    assert.is(Number(answered), round);
    return seen.join(' ');
  });
}

for (const [how, checkpointFrames] of [
  ['checkpointed at every commit (the shell writes the file in place)', 1],
  ['with the log kept (the shell reads and writes it in WAL mode, and checkpoints it as it closes)', 1000],
] as const) {
  test(
    `the sqlite3 shell writing between our transactions, ${how}: each write is seen and kept, and ours are read`,
    inFolder(async (folder) => {
      const dbPath = join(folder, 'state.db');
      const db = await SharedDatabase.open(dbPath, { migrations: itemsMigrations, checkpointFrames });
      await db.transaction((sql) => sql.run(START_ROWS));
      const env = { TEST_CHECKPOINT_FRAMES: String(checkpointFrames) };
      const workers = ['a', 'b'].map((who) => startWorker(['turns', dbPath, who], env));
      const done = workers.map(finished);
      const lines = workers.map((worker) => createInterface({ input: worker.stdout! })[Symbol.asyncIterator]());
      try {
        await Promise.all(workers.map((worker) => waitForLine(worker, 'ready')));
        await Promise.all(lines.map((iterator) => iterator.next())); // "ready"
        let ours = 0;
        for (let round = 1; round <= ROUNDS; round++) {
          const kind = TURN_KINDS[Math.floor(round / 3) % TURN_KINDS.length]!;
          const turn = round % 3;
          let seen: string;
          if (turn === 0) {
            // In this process, with no turn of the event loop between: the second transaction
            // gets the lock the first kept, on a copy nobody compared with the files.
            seen = await withClockStopped(async () => {
              await db.transaction((sql) => sql.run(RESTORE));
              sqliteShell(dbPath, shellWrite(round));
              return db.transaction((sql) => ourTurn(sql, round, kind, 'main'));
            });
          } else {
            sqliteShell(dbPath, shellWrite(round));
            seen = await askWorker(workers[turn - 1]!, lines[turn - 1]!, round, kind);
          }
          if (kind === 'insert') ours++;
          assert.is(seen, `${round} ${round}`, `round ${round} (${kind}): our transaction saw the shell's write`);
          assert.is(
            sqliteShell(dbPath, SHELL_CHECK),
            `${round}|${round}|${kind === 'restore' ? 0 : round}|${ours}`,
            `round ${round} (${kind}): the shell's write kept, and ours read by the shell`,
          );
        }
      } finally {
        for (const worker of workers) worker.stdin!.end();
      }
      for (const { code, stderr } of await Promise.all(done)) assert.is(code, 0, stderr);
      await db.close();
      assert.is(sqliteShell(dbPath, 'PRAGMA integrity_check'), 'ok');
    }),
  );
}

test.run();
