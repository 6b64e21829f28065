// A child process that uses the module functions of lib/ports/user-registry.ts against
// AF_GLOBAL_DIR. It prints "ready", waits for a line on stdin, then acts, so a
// test can start many and release them at once.
//   allocate <project>...  opens the registry before "ready"; then prints "<project> <base port>" per project
//   open                   opens the registry (importing ports.json) only after the go line; prints "opened"
import { createInterface } from 'node:readline';
import { closeGlobalDb, getPortBlock, listAllocations } from '../../lib/ports/user-registry.js';

const [command, ...projects] = process.argv.slice(2);

async function untilGo(): Promise<void> {
  console.log('ready');
  for await (const _line of createInterface({ input: process.stdin })) return;
}

switch (command) {
  case 'allocate': {
    await listAllocations(); // opened and migrated: the race left is the allocation itself
    await untilGo();
    const ports = await Promise.all(projects.map(getPortBlock));
    for (const [i, project] of projects.entries()) console.log(`${project} ${ports[i]}`);
    break;
  }
  case 'open':
    await untilGo();
    await listAllocations();
    console.log('opened');
    break;
  default:
    throw new Error(`unknown command ${command}`);
}
await closeGlobalDb();
