// A child process for the hostile-files tests. Prints one JSON line: {"ok": result}
// or {"code", "message"} for a typed error, {"raw"} for any other; exits 0 either way.
//   write <db> <writer> <count>   opens, one transaction per row, closes
//   read <db>                     opens, counts the rows, closes
//   open-transaction <db>         opens, then one transaction whose fn prints "ran-fn" to stderr
//   assert-writable <db>          opens, calls assertWritable()
//   reset <db>                    removeDatabaseFiles (what af db reset does)
//   state <db>                    StateStore.open (imports state.json beside it), lists builder ids, closes
import { SharedDatabase } from '../../lib/engine/index.js';
import { AgentFarmStateError } from '../../lib/engine/errors.js';
import { DEFAULT_LOCK_TIMING } from '../../lib/engine/lock/lock.js';
import { removeDatabaseFiles } from '../../lib/engine/io/remove.js';
import { StateStore } from '../../lib/state/store.js';
import { itemsMigrations } from './items-schema.js';

const [command, dbPath, ...args] = process.argv.slice(2);
const options = { migrations: itemsMigrations, busyTimeout: 10000 };
const countRows = (db: SharedDatabase) =>
  db.read((sql) => Number(sql.exec('SELECT count(*) FROM items')[0]!.values[0]![0]));

async function run(): Promise<unknown> {
  switch (command) {
    case 'write': {
      const db = await SharedDatabase.open(dbPath!, options);
      try {
        for (let seq = 1; seq <= Number(args[1]); seq++)
          await db.transaction((sql) => sql.run('INSERT INTO items (writer, seq) VALUES (?, ?)', [args[0]!, seq]));
      } finally {
        await db.close();
      }
      return 'written';
    }
    case 'read': {
      const db = await SharedDatabase.open(dbPath!, options);
      const count = await countRows(db);
      await db.close();
      return count;
    }
    case 'open-transaction': {
      const db = await SharedDatabase.open(dbPath!, options);
      try {
        await db.transaction((sql) => {
          process.stderr.write('ran-fn\n');
          sql.run("INSERT INTO items (writer, seq) VALUES ('late', 1)");
        });
      } finally {
        await db.close();
      }
      return 'written';
    }
    case 'assert-writable': {
      const db = await SharedDatabase.open(dbPath!, options);
      try {
        db.assertWritable();
      } finally {
        await db.close();
      }
      return 'writable';
    }
    case 'reset':
      return removeDatabaseFiles(dbPath!, DEFAULT_LOCK_TIMING);
    case 'state': {
      const store = await StateStore.open(dbPath!);
      const ids = (await store.getBuilders()).map((builder) => builder.id);
      await store.close();
      return ids;
    }
    default:
      throw new Error(`unknown command ${command}`);
  }
}

try {
  console.log(JSON.stringify({ ok: await run() }));
} catch (error) {
  console.log(
    JSON.stringify(
      error instanceof AgentFarmStateError ? { code: error.code, message: error.message } : { raw: String(error) },
    ),
  );
}
