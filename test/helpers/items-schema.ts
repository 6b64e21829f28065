// A small schema the engine tests write to: one row per acknowledged write, and a
// log of migration runs that shows whether a migration ever ran twice.
import type { Migration } from '../../lib/engine/index.js';

export const itemsMigrations: Migration[] = [
  {
    version: 1,
    description: 'items written by test processes',
    up: (db) => db.run('CREATE TABLE items (writer TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (writer, seq))'),
  },
  {
    version: 2,
    description: 'a log row per application of this migration',
    up: (db) => {
      db.run('CREATE TABLE migration_runs (pid INTEGER NOT NULL)');
      db.run('INSERT INTO migration_runs (pid) VALUES (?)', [process.pid]);
    },
    // Worker processes report it, so a test can count the processes that ran it.
    afterCommit: () => {
      if (process.env.AF_TEST_WORKER) process.stdout.write(`after-commit ${process.pid}\n`);
    },
  },
];
