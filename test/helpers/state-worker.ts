// A child process that drives the local state API for the concurrency tests.
//   reserve <db> <name>   reserves a builder in the 4210-4229 range and prints it as JSON
//   open <db>             opens (importing state.json if present) and prints the builder count
import { StateStore } from '../../lib/state/store.js';

const [command, dbPath, name] = process.argv.slice(2);
const store = await StateStore.open(dbPath!, { busyTimeout: 20_000 });
switch (command) {
  case 'reserve': {
    const builder = await store.reserveBuilder(
      {
        name: name!,
        pid: process.pid,
        status: 'spawning',
        phase: '',
        worktree: `/w/${name}`,
        branch: `b/${name}`,
        type: 'task',
        taskText: name,
      },
      { first: 4210, last: 4229 },
    );
    console.log(JSON.stringify(builder));
    break;
  }
  case 'open':
    console.log(String((await store.getBuilders()).length));
    break;
  default:
    throw new Error(`unknown command ${command}`);
}
await store.close();
