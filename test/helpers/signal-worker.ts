// A child process for the signal and event-loop tests.
//   loop <db> <handler|default>   writes rows one transaction at a time until killed; prints "looping"
//                                 after the first 50. With "handler", SIGINT and SIGTERM call process.exit.
//   ticks <db> <ms> [reads]       upserts builders (or, with "reads", loads the state) for ms with a 50 ms
//                                 setInterval of the host running; prints {"upserts":N,"ticks":N}
//   first-commit <db>             opens (the schema is there: no lock taken), times its first transaction, prints {"ms":N}
//   write <db> <writer> <count>   one transaction per row, then closes
// TEST_STALE_MS sets the stale threshold (default 10 000, so a wait for it shows).
import { SharedDatabase } from '../../lib/engine/index.js';
import { StateStore } from '../../lib/state/store.js';
import { itemsMigrations } from './items-schema.js';

const [command, dbPath, ...args] = process.argv.slice(2);
const options = {
  migrations: itemsMigrations,
  staleThreshold: Number(process.env.TEST_STALE_MS ?? 10_000),
  busyTimeout: Number(process.env.TEST_BUSY_MS ?? 30_000),
};

switch (command) {
  case 'loop': {
    if (args[0] === 'handler') {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));
    }
    const db = await SharedDatabase.open(dbPath!, options);
    for (let seq = 1; ; seq++) {
      await db.transaction((sql) => sql.run('INSERT INTO items (writer, seq) VALUES (?, ?)', ['loop', seq]));
      if (seq === 50) console.log('looping');
    }
  }
  case 'ticks': {
    const store = await StateStore.open(dbPath!);
    let ticks = 0;
    const timer = setInterval(() => {
      ticks++;
    }, 50);
    let upserts = 0;
    const reads = args[1] === 'reads';
    if (reads)
      await store.upsertBuilder({
        id: 'B0',
        name: 'tick',
        port: 4210,
        pid: process.pid,
        status: 'implementing',
        phase: '',
        worktree: '/w',
        branch: 'b',
        type: 'spec',
      });
    for (const until = Date.now() + Number(args[0]); Date.now() < until; upserts++) {
      if (reads) await store.loadState();
      else
        await store.upsertBuilder({
          id: `B${upserts % 20}`,
          name: 'tick',
          port: 4210 + (upserts % 20),
          pid: process.pid,
          status: 'implementing',
          phase: '',
          worktree: '/w',
          branch: 'b',
          type: 'spec',
        });
    }
    clearInterval(timer);
    console.log(JSON.stringify({ upserts, ticks }));
    await store.close();
    break;
  }
  case 'first-commit': {
    const db = await SharedDatabase.open(dbPath!, options);
    const startedAt = performance.now();
    await db.transaction((sql) => sql.run('INSERT INTO items (writer, seq) VALUES (?, ?)', ['after', 1]));
    console.log(JSON.stringify({ ms: Math.round(performance.now() - startedAt) }));
    await db.close();
    break;
  }
  case 'write': {
    const db = await SharedDatabase.open(dbPath!, options);
    for (let seq = 1; seq <= Number(args[1]); seq++) {
      await db.transaction((sql) => sql.run('INSERT INTO items (writer, seq) VALUES (?, ?)', [args[0]!, seq]));
    }
    await db.close();
    console.log('done');
    break;
  }
  default:
    throw new Error(`unknown command ${command}`);
}
