// A child process that drives the engine for the concurrency and crash tests.
//   write <db> <writer> <count> [ackFile]  one transaction per row; appends each seq to ackFile once its call returned
//   hold <db> <ms>                         a transaction that says "holding" and then blocks for ms inside fn
//   reader <db>                            prints the row count now and again for every line on stdin
//   open <db>                              opens (running migrations) and prints "opened"
//   hog <db> <ms> [stopFile]               commits back to back for ms, or until stopFile exists (keeping its lock across them)
//   transfer <db> <count>                  moves 1 between two random accounts per transaction, keeping the total
//   audit <db> <ms>                        reads the total again and again for ms; prints reads and every total seen
//   clear <db>                             deletes every item in one transaction and prints "cleared"
//   turns <db> <who>                       prints "ready", then runs ourTurn() for every "<round> <kind>" line on
//                                          stdin and prints "<round> <what it saw>"
//   write-on-line <db> <writer>            prints "ready", then writes a row (writer, round) for every "<round>" line
//                                          on stdin and prints "wrote <round>"
// TEST_EXTRA_MIGRATION=<n> adds a migration n that changes no table. TEST_STAY_OPEN=1 keeps the
// database open after the command (so its log is not checkpointed) until stdin ends.
import { appendFileSync, existsSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { SharedDatabase } from '../../lib/engine/index.js';
import { itemsMigrations } from './items-schema.js';
import { ourTurn, type TurnKind } from './foreign-turns.js';

const [command, dbPath, ...args] = process.argv.slice(2);
/** The transfer test's accounts are rows `account-<n>` whose seq is the balance. */
const ACCOUNTS = 50;
const extraVersion = Number(process.env.TEST_EXTRA_MIGRATION ?? 0);
const options = {
  migrations: extraVersion
    ? [...itemsMigrations, { version: extraVersion, description: 'changes no table', up: () => undefined }]
    : itemsMigrations,
  staleThreshold: Number(process.env.TEST_STALE_MS ?? 2000),
  busyTimeout: Number(process.env.TEST_BUSY_MS ?? 20000),
  checkpointFrames: Number(process.env.TEST_CHECKPOINT_FRAMES ?? 1000),
};
const db = await SharedDatabase.open(dbPath!, options);
const countRows = () => db.read((sql) => Number(sql.exec('SELECT count(*) FROM items')[0]!.values[0]![0]));

switch (command) {
  case 'write': {
    const [writer, count, ackFile] = args;
    for (let seq = 1; seq <= Number(count); seq++) {
      await db.transaction((sql) => sql.run('INSERT INTO items (writer, seq) VALUES (?, ?)', [writer!, seq]));
      if (ackFile) appendFileSync(ackFile, `${seq}\n`);
    }
    console.log('done');
    break;
  }
  case 'hold': {
    const blockMs = Number(args[0]);
    const pause = new Int32Array(new SharedArrayBuffer(4));
    await db.transaction((sql) => {
      sql.run('INSERT OR REPLACE INTO items (writer, seq) VALUES (?, ?)', ['holder', 1]);
      writeSync(1, 'holding\n');
      Atomics.wait(pause, 0, 0, blockMs);
    });
    console.log('committed');
    break;
  }
  case 'reader': {
    console.log(String(await countRows()));
    for await (const _line of createInterface({ input: process.stdin })) console.log(String(await countRows()));
    break;
  }
  case 'open':
    console.log('opened');
    break;
  case 'hog': {
    let seq = 0;
    for (const until = Date.now() + Number(args[0]); Date.now() < until && !(args[1] && existsSync(args[1])); ) {
      await db.transaction((sql) => sql.run('INSERT INTO items (writer, seq) VALUES (?, ?)', ['hog', ++seq]));
    }
    console.log(String(seq));
    break;
  }
  case 'transfer': {
    for (let i = 0; i < Number(args[0]); i++) {
      await db.transaction((sql) => {
        const from = Math.floor(Math.random() * ACCOUNTS);
        const to = (from + 1 + Math.floor(Math.random() * (ACCOUNTS - 1))) % ACCOUNTS;
        sql.run('UPDATE items SET seq = seq - 1 WHERE writer = ?', [`account-${from}`]);
        sql.run('UPDATE items SET seq = seq + 1 WHERE writer = ?', [`account-${to}`]);
      });
    }
    console.log('done');
    break;
  }
  case 'audit': {
    const totals = new Set<number>();
    let reads = 0;
    for (const until = Date.now() + Number(args[0]); Date.now() < until; reads++) {
      totals.add(
        await db.read((sql) =>
          Number(sql.exec("SELECT sum(seq) FROM items WHERE writer LIKE 'account-%'")[0]!.values[0]![0]),
        ),
      );
    }
    console.log(JSON.stringify({ reads, totals: [...totals] }));
    break;
  }
  case 'clear':
    await db.transaction((sql) => sql.run('DELETE FROM items'));
    console.log('cleared');
    break;
  case 'turns': {
    console.log('ready');
    for await (const line of createInterface({ input: process.stdin })) {
      const [round, kind] = line.split(' ');
      const seen = await db.transaction((sql) => ourTurn(sql, Number(round), kind as TurnKind, args[0]!));
      console.log(`${round} ${seen}`);
    }
    break;
  }
  case 'write-on-line': {
    console.log('ready');
    for await (const round of createInterface({ input: process.stdin })) {
      await db.transaction((sql) =>
        sql.run('INSERT INTO items (writer, seq) VALUES (?, ?)', [args[0]!, Number(round)]),
      );
      console.log(`wrote ${round}`);
    }
    break;
  }
  default:
    throw new Error(`unknown command ${command}`);
}
if (process.env.TEST_STAY_OPEN) for await (const _line of createInterface({ input: process.stdin }));
await db.close();
