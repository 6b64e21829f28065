// `af ports`: the user's port blocks, one per project.
import { cac, type CAC } from 'cac';
import { projectKey } from '../ports/project-key.js';
import { NotFoundError } from '../shared/errors.js';
import { action } from './action.js';
import { paint, printJson, printLine, printTable } from './io.js';
import { readRegistry, withRegistry } from './stores.js';
import { VERSION } from './version.js';

async function list(options: { json?: boolean }): Promise<void> {
  const allocations = await readRegistry(
    (registry) => registry.listAllocations(),
    () => [],
  );
  if (options.json) return printJson(allocations);
  if (allocations.length === 0) return printLine('no port blocks allocated');
  // The recorded pid is the af command that last asked for the block (af start, spawn…), which has
  // usually ended while its farm runs on: named for what it is, so "ended" says nothing of the farm.
  printTable(
    ['base', 'project', 'last used', 'last asked by'],
    allocations.map((allocation) => [
      allocation.basePort,
      allocation.path,
      allocation.lastUsed,
      allocation.pid === undefined
        ? '-'
        : `pid ${allocation.pid} ${allocation.pidAlive ? paint('(running)', 'green') : paint('(ended)', 'dim')}`,
    ]),
  );
}

async function cleanup(options: { json?: boolean }): Promise<void> {
  const result = await withRegistry((registry) => registry.cleanupStaleEntries());
  if (options.json) return printJson(result);
  for (const path of result.removed) printLine(`removed ${path}`);
  printLine(`${result.removed.length} removed, ${result.remaining} remaining`);
}

async function remove(path: string): Promise<void> {
  const key = projectKey(path);
  if (!(await withRegistry((registry) => registry.removeAllocation(key))))
    throw new NotFoundError(
      'E_PORT_BLOCK_NOT_FOUND',
      `no port block is allocated to ${key}; "af ports list" lists the allocated ones.`,
    );
  printLine(`removed the port block of ${key}`);
}

export function portsProgram(): CAC {
  const cli = cac('af ports');
  cli
    .command(
      'list',
      'List the port blocks of all projects: when each was last used, by which af command (allocates nothing)',
    )
    .option('--json', 'Print the allocations as JSON')
    .example('af ports list --json')
    .action(action(list));
  cli
    .command('cleanup', 'Remove blocks of projects whose folder is gone, and forget the pids of ended commands')
    .option('--json', 'Print { removed, remaining } as JSON')
    .action(action(cleanup));
  cli
    .command('remove <path>', 'Free the port block of one project')
    .example('af ports remove ~/src/old-project')
    .example('af ports remove remote:build-box')
    .action(action(remove));
  cli.help();
  cli.version(VERSION);
  return cli;
}
