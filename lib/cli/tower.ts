// `af tower`: one page for every farm of the user. `af tower start` starts the tower
// server when it does not run and prints its URL (with the tower's secret) on a line
// of its own; `af tower stop` ends it.
import { cac, type CAC } from 'cac';
import { InvalidInputError } from '../engine/index.js';
import { signedInUrl } from '../farm/http-guard.js';
import { DEFAULT_TOWER_PORT, ensureTower, stopTower, towerFiles, towerSecret } from '../farm/tower.js';
import { action } from './action.js';
import { note, printJson, printLine } from './io.js';
import { openInBrowser } from './open-browser.js';
import { towerArgv } from './tower-process.js';
import { VERSION } from './version.js';

interface StartOptions {
  port?: unknown;
  browser?: boolean;
  json?: boolean;
}

function portOption(value: unknown): number {
  if (value === undefined) return DEFAULT_TOWER_PORT;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new InvalidInputError(`--port should be a port number (1-65535), got ${JSON.stringify(value)}.`);
  return port;
}

async function start(options: StartOptions): Promise<void> {
  const port = portOption(options.port);
  const files = towerFiles();
  const { secret, created } = towerSecret(files);
  // A new secret (the old one was deleted): the running tower knows only the old one, so it starts anew.
  if (created && (await stopTower(files))) note('the tower secret was new: the running tower was stopped');
  const { tower, started } = await ensureTower(files, port, towerArgv(port));
  const url = signedInUrl(tower.port, secret);
  if (options.json) return printJson({ ...tower, url, started });
  if (!started && options.port !== undefined && tower.port !== port)
    note(`the tower already runs on port ${tower.port}, not ${port}; "af tower stop" ends it.`);
  note(
    started
      ? `tower started: pid ${tower.pid}, port ${tower.port}; open:`
      : `tower running: pid ${tower.pid}, port ${tower.port}; open:`,
  );
  printLine(url);
  if (options.browser !== false) openInBrowser(url);
}

async function stop(options: { json?: boolean }): Promise<void> {
  const stopped = await stopTower(towerFiles());
  if (options.json) return printJson(stopped ?? null);
  if (!stopped) return printLine('no tower was running');
  printLine(`tower (pid ${stopped.pid}): ${stopped.outcome}`);
  if (stopped.outcome === 'survived') process.exitCode = 1;
}

export function towerProgram(): CAC {
  const cli = cac('af tower');
  cli
    .command('start', 'Start the tower (every farm of the port registry in one page) and print its URL with its secret')
    .option('--port <port>', `The port to listen on (default: ${DEFAULT_TOWER_PORT})`)
    .option('--no-browser', 'Do not open the tower in the browser')
    .option('--json', 'Print the tower (pid, port, url, started) as JSON')
    .example('af tower start')
    .example('af tower start --port 4150 --no-browser')
    .action(action(start));
  cli
    .command('stop', 'End the tower')
    .option('--json', 'Print what was ended as JSON')
    .example('af tower stop')
    .action(action(stop));
  cli.help();
  cli.version(VERSION);
  return cli;
}
