#!/usr/bin/env node
// The `af` command. `af db …` and `af ports …` are command groups with their own
// help; everything else is a command of the main program. The same bundle is also
// started as internal entries, told apart before any command is parsed: the thread
// of an `af db query` (lib/cli/query-worker.ts), the annotation viewer that `af
// annotate` launches (lib/cli/annotation-viewer.ts), the dashboard server that
// `af start` launches (lib/cli/dashboard-process.ts), and the tower server that `af
// tower start` launches (lib/cli/tower-process.ts).
import { cac } from 'cac';
import { dbProgram } from '../lib/cli/db.js';
import { registerDashboard } from '../lib/cli/dashboard.js';
import { registerLifecycle } from '../lib/cli/lifecycle.js';
import { portsProgram } from '../lib/cli/ports.js';
import { registerSend } from '../lib/cli/send.js';
import { towerProgram } from '../lib/cli/tower.js';
import { registerStatus } from '../lib/cli/status.js';
import { VERSION } from '../lib/cli/version.js';
import { checkUsage, typedOption, usageError } from '../lib/cli/usage.js';
import { endOutputQuietlyWhenClosed, printError } from '../lib/cli/io.js';
import { isQueryWorker, runQueryWorker } from '../lib/cli/query-worker.js';
import { isAnnotationViewer, runAnnotationViewer } from '../lib/cli/annotation-viewer.js';
import { isDashboardProcess, runDashboardProcess } from '../lib/cli/dashboard-process.js';
import { isTowerProcess, runTowerProcess } from '../lib/cli/tower-process.js';
import { preferBaselineWasmCompiler } from '../lib/engine/index.js';

const groups = { db: dbProgram, ports: portsProgram, tower: towerProgram } as const;

function mainProgram() {
  const cli = cac('af');
  registerLifecycle(cli);
  registerSend(cli);
  registerStatus(cli);
  registerDashboard(cli);
  cli.command('db <command>', 'The state databases: dump, query, stats, reset (see af db --help)');
  cli.command('ports <command>', 'The port registry: list, cleanup, remove (see af ports --help)');
  cli.command('tower <command>', 'Every farm of the user in one page: start, stop (see af tower --help)');
  cli.help();
  cli.version(VERSION);
  return cli;
}

async function main(argv: string[]): Promise<void> {
  const [, , first, ...rest] = argv;
  const group = first && Object.hasOwn(groups, first) ? groups[first as keyof typeof groups] : undefined;
  const cli = group ? group() : mainProgram();
  // cac gives a --no-x option the default true and prints "(default: true)" beside "Do not x": the
  // commands read an absent --no-x as "not given", so the default goes.
  for (const command of [cli.globalCommand, ...cli.commands])
    for (const option of command.options) if (option.negated) option.config.default = undefined;
  const args = group ? [argv[0]!, argv[1]!, ...rest] : argv;
  cli.parse(args, { run: false });
  if (cli.matchedCommand) {
    checkUsage(cli, args);
    return cli.runMatchedCommand() as Promise<void>;
  }
  if (cli.options.help || cli.options.version) return;
  if (cli.args.length > 0) throw usageError(`unknown command ${JSON.stringify(cli.args[0])}`, cli.name);
  const option = Object.keys(cli.options).find((key) => key !== '--');
  if (option !== undefined) throw usageError(`unknown option ${typedOption(`--${option}`, args)}`, cli.name);
  cli.outputHelp();
  if (group) process.exitCode = 1;
}

function failed(error: unknown): void {
  printError(error);
  process.exitCode = 1;
}

// A short process, and its query thread: SQLite compiled once, quickly, is what pays here.
// The dashboard and the tower live long: they keep V8's optimising tier.
if (!isDashboardProcess() && !isTowerProcess()) preferBaselineWasmCompiler();
if (isQueryWorker()) {
  // This file started again as the thread of an `af db query` (see lib/cli/query-worker.ts).
  void runQueryWorker();
} else if (isAnnotationViewer()) {
  // This file started again as an annotation viewer by `af annotate` (see lib/cli/annotation-viewer.ts).
  endOutputQuietlyWhenClosed();
  runAnnotationViewer().catch(failed);
} else if (isDashboardProcess()) {
  // This file started again as the dashboard server by `af start` or `af dashboard` (see lib/cli/dashboard-process.ts).
  endOutputQuietlyWhenClosed();
  runDashboardProcess().catch(failed);
} else if (isTowerProcess()) {
  // This file started again as the tower server by `af tower start` (see lib/cli/tower-process.ts).
  endOutputQuietlyWhenClosed();
  runTowerProcess().catch(failed);
} else {
  endOutputQuietlyWhenClosed();
  main(process.argv).catch(failed);
}
