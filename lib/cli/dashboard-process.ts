// The dashboard server's process: an internal entry of the `af` bin, not a command.
// `af start` and `af dashboard` start this same program again as
//   node <af> _dashboard --root <project> --port <block +0>
// detached, with its output in .agent-farm/logs/dashboard.log. It listens on
// 127.0.0.1, records itself in .agent-farm/dashboard.json, reports 'ready' over the IPC
// channel (see launchServer in lib/farm/launch.ts), and lives until `af stop`, POST
// /api/stop, or a signal; then it closes every connection and its record.
import { cac } from 'cac';
import { resolve } from 'node:path';
import { InvalidInputError, messageOf } from '../engine/index.js';
import { removeDashboardRecord, writeDashboardRecord } from '../farm/dashboard-record.js';
import { LaunchError } from '../farm/launch.js';
import { farmOf } from '../farm/project-farm.js';
import { readSecret, secretPath } from '../farm/secret.js';
import { stateDbPath } from '../shared/paths.js';
import { action } from './action.js';
import { note } from './io.js';

const DASHBOARD_MARKER = '_dashboard';
/**
 * The server (and the tower, see tower-process.ts) lives for the farm's life on a steady stream of small answers: Node.js
 * would grow V8's young generation step by step to 2 × 16 MiB and keep it (RSS that
 * looks like a leak); 1 MiB semi-spaces cap it at 2 MiB for more, short, scavenges.
 * Bun and Deno take other flags and size their heaps themselves.
 */
export const DASHBOARD_RUNTIME_FLAGS =
  process.versions.bun === undefined && !('Deno' in globalThis) ? ['--max-semi-space-size=1'] : [];

/** The dashboard's command line for the project at `root` on `port`: this same program, serving the farm. */
export const dashboardArgv = (root: string, port: number) => [
  process.execPath,
  ...DASHBOARD_RUNTIME_FLAGS,
  resolve(process.argv[1]!),
  DASHBOARD_MARKER,
  '--root',
  root,
  '--port',
  String(port),
];

export function isDashboardProcess(argv: readonly string[] = process.argv): boolean {
  return argv[2] === DASHBOARD_MARKER;
}

export async function runDashboardProcess(argv: readonly string[] = process.argv): Promise<void> {
  const cli = cac(`af ${DASHBOARD_MARKER}`);
  cli
    .command('', "Serve the farm's dashboard on 127.0.0.1")
    .option('--root <folder>', 'The project')
    .option('--port <port>', "The block's dashboard port (+0)")
    .action(action(serve));
  cli.parse([argv[0]!, argv[1]!, ...argv.slice(3)], { run: false });
  await cli.runMatchedCommand();
}

async function serve(options: { root?: unknown; port?: unknown }): Promise<void> {
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new InvalidInputError(`--port should be a port number, got ${JSON.stringify(options.port)}.`);
  const root = resolve(String(options.root ?? '.'));
  const secret = readSecret(secretPath(root));
  if (secret === undefined) {
    if (process.connected) process.disconnect();
    throw new InvalidInputError(
      `there is no farm secret at ${secretPath(root)}; start the dashboard with "af dashboard".`,
    );
  }
  // The server, its pages and xterm.js come in here only: every other command of the bin starts without them.
  const [{ dashboardServer }, { createTerminalSockets }, { StateSource }] = await Promise.all([
    import('../server/dashboard-server.js'),
    import('../server/terminal-socket.js'),
    import('../server/state-source.js'),
  ]);
  const source = new StateSource(farmOf(root, port), stateDbPath(root));
  let ending = false;
  const end = async (code: number) => {
    if (ending) return;
    ending = true;
    removeDashboardRecord(root, process.pid);
    await terminals.close();
    await dashboard.close();
    await source.close();
    process.exit(code);
  };
  const terminals = createTerminalSockets();
  const dashboard = dashboardServer({
    source,
    secret,
    port,
    terminalUpgrade: terminals.handleUpgrade,
    onStopped: () => void end(0),
  });
  try {
    await new Promise<void>((done, fail) => {
      dashboard.server.once('error', fail);
      dashboard.server.listen(port, '127.0.0.1', () => done());
    });
  } catch (error) {
    if (process.connected) process.disconnect();
    const inUse = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
    throw new LaunchError(
      inUse
        ? `port ${port}, the dashboard's (the project's block +0), is taken by another program (a native dashboard still running?); end it, then run "af dashboard".`
        : `the dashboard cannot listen on 127.0.0.1:${port}: ${messageOf(error)}`,
    );
  }
  writeDashboardRecord(root, { pid: process.pid, port, startedAt: new Date().toISOString() });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void end(0));
  note(`dashboard of ${root} on http://127.0.0.1:${port}/`);
  process.send?.('ready');
  if (process.connected) process.disconnect();
}
