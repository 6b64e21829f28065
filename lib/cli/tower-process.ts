// The tower server's process: an internal entry of the `af` bin, not a command.
// `af tower start` starts this same program again as
//   node <af> _tower --port <port>
// detached, with its output in ~/.agent-farm/logs/tower.log. It listens on
// 127.0.0.1, records itself in ~/.agent-farm/tower.json, reports 'ready' over the IPC
// channel (see launchServer in lib/farm/launch.ts), and lives until `af tower stop`
// or a signal; then it closes every connection and its record.
import { cac } from 'cac';
import { resolve } from 'node:path';
import { InvalidInputError, messageOf } from '../engine/index.js';
import { LaunchError } from '../farm/launch.js';
import { readSecret } from '../farm/secret.js';
import { removeTowerRecord, towerFiles, writeTowerRecord } from '../farm/tower.js';
import { globalDbPath } from '../shared/paths.js';
import { action } from './action.js';
import { DASHBOARD_RUNTIME_FLAGS } from './dashboard-process.js';
import { note } from './io.js';

const TOWER_MARKER = '_tower';

/** This same program. */
const thisProgram = () => [process.execPath, resolve(process.argv[1]!)];

/** The tower's command line on `port`: a long-lived server, with the dashboard's runtime flags. */
export const towerArgv = (port: number) => [
  process.execPath,
  ...DASHBOARD_RUNTIME_FLAGS,
  resolve(process.argv[1]!),
  TOWER_MARKER,
  '--port',
  String(port),
];

export function isTowerProcess(argv: readonly string[] = process.argv): boolean {
  return argv[2] === TOWER_MARKER;
}

export async function runTowerProcess(argv: readonly string[] = process.argv): Promise<void> {
  const cli = cac(`af ${TOWER_MARKER}`);
  cli
    .command('', "Serve the tower (every farm of the user's port registry) on 127.0.0.1")
    .option('--port <port>', 'The port to listen on')
    .action(action(serve));
  cli.parse([argv[0]!, argv[1]!, ...argv.slice(3)], { run: false });
  await cli.runMatchedCommand();
}

async function serve(options: { port?: unknown }): Promise<void> {
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new InvalidInputError(`--port should be a port number, got ${JSON.stringify(options.port)}.`);
  const files = towerFiles();
  const secret = readSecret(files.secret);
  if (secret === undefined) {
    if (process.connected) process.disconnect();
    throw new InvalidInputError(`there is no tower secret at ${files.secret}; start the tower with "af tower start".`);
  }
  // The server and its page come in here only: every other command of the bin starts without them.
  const [{ towerServer }, { TowerSource }] = await Promise.all([
    import('../server/tower-server.js'),
    import('../server/tower-source.js'),
  ]);
  const source = new TowerSource(globalDbPath());
  let ending = false;
  const end = async (code: number) => {
    if (ending) return;
    ending = true;
    removeTowerRecord(files, process.pid);
    await tower.close();
    await source.close();
    process.exit(code);
  };
  const tower = towerServer({
    source,
    secret,
    port,
    afStart: [...thisProgram(), 'start', '--no-browser', '--json'],
  });
  try {
    await new Promise<void>((done, fail) => {
      tower.server.once('error', fail);
      tower.server.listen(port, '127.0.0.1', () => done());
    });
  } catch (error) {
    if (process.connected) process.disconnect();
    const inUse = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
    throw new LaunchError(
      inUse
        ? `port ${port} is taken by another program; end it, or choose another with "af tower start --port <n>".`
        : `the tower cannot listen on 127.0.0.1:${port}: ${messageOf(error)}`,
    );
  }
  writeTowerRecord(files, { pid: process.pid, port, startedAt: new Date().toISOString() });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void end(0));
  note(`tower on http://127.0.0.1:${port}/`);
  process.send?.('ready');
  if (process.connected) process.disconnect();
}
