// The farm's lifecycle commands: start (the architect, then the dashboard), spawn,
// util, annotate, stop, cleanup, and the options that choose the commands they
// launch. Each parses, calls lib/farm, and prints; the work is done there.
import type { CAC } from 'cac';
import { resolve } from 'node:path';
import { InvalidInputError } from '../engine/index.js';
import { InterruptedError } from '../shared/errors.js';
import { startArchitect } from '../farm/architect.js';
import { cleanupBuilder } from '../farm/builders.js';
import { architectInstructions } from '../farm/instructions.js';
import { endedBuilderHint, endedBuilders } from '../farm/resume.js';
import { farmIdentity } from '../farm/project-farm.js';
import { shownFile } from '../farm/project-file.js';
import { excludeFarmFolders } from '../farm/git-exclude.js';
import { TOKEN_PARAMETER } from '../farm/http-guard.js';
import type { Interruption } from '../farm/interruption.js';
import { type FarmOptions, interruptible, prepare, whereItRuns } from './farm-options.js';
import { spawn } from './spawn.js';
import { loadOrCreateSecret, secretPath } from '../farm/secret.js';
import { stopFarm } from '../farm/stop.js';
import { annotationParent, openAnnotation, openUtil } from '../farm/terminals.js';
import { action, EXIT_FAILURE } from './action.js';
import { announceDashboard, startDashboard, type DashboardOptions } from './dashboard.js';
import { checkDashboardFiles } from '../farm/dashboard-launch.js';
import { annotationViewerArgv } from '../farm/annotation-viewer-command.js';
import { note, printable, printError, printJson, printLine } from './io.js';
import { inFarm } from './in-farm.js';
import { projectRoot, withState } from './stores.js';
import { textOption } from './text-option.js';

async function start(interruption: Interruption, options: FarmOptions & DashboardOptions): Promise<void> {
  const { root, command } = prepare('architect', options);
  await excludeFarmFolders(root).then((leftAlone) => leftAlone && note(leftAlone));
  const { result, dashboard, ended } = await inFarm(root, true, async (farm, store) => {
    checkDashboardFiles(farm);
    const result = await startArchitect(
      farm,
      store,
      command,
      architectInstructions(root, options.role !== false),
      interruption,
    );
    // The architect is recorded whatever becomes of the dashboard: a dashboard that cannot start is reported after it.
    const dashboard = await startDashboard(farm, interruption).catch((error: unknown) =>
      error instanceof InterruptedError ? Promise.reject(error) : { failed: error },
    );
    return { result, dashboard, ended: endedBuilders(await store.getBuilders()) };
  });
  // After a reboot (or an agent that quit) the builders stay recorded: say how to pick each up again.
  for (const builder of ended)
    note(printable(`builder ${builder.id} is not running: ${endedBuilderHint(builder.id)}.`));
  const { architect } = result;
  if (result.alreadyRunning && result.startingElsewhere)
    note(`another "af start" (pid ${architect.pid}) is starting the architect right now; see "af status" in a moment.`);
  else if (result.alreadyRunning)
    note(`the architect is already running (pid ${architect.pid}, port ${architect.port}); "af stop" ends it.`);
  else if (result.replaced)
    note(`replaced the recorded architect (pid ${result.replaced.pid}), which was no longer running.`);
  const failed = 'failed' in dashboard ? dashboard.failed : undefined;
  if (options.json)
    printJson({
      ...architect,
      dashboard: 'failed' in dashboard ? null : { ...dashboard.dashboard, url: dashboard.url },
    });
  else if (!result.alreadyRunning)
    printLine(`architect started: pid ${architect.pid}, port ${architect.port}, ${whereItRuns(result.launched)}`);
  if (failed !== undefined) {
    printError(failed);
    process.exitCode = EXIT_FAILURE;
  } else if (!options.json && !('failed' in dashboard)) announceDashboard(dashboard, options);
}

async function util(interruption: Interruption, options: FarmOptions & { name?: unknown }): Promise<void> {
  const { root, command } = prepare('shell', options);
  const name = textOption(options.name, ['--name']) ?? 'shell';
  const { util: terminal, launched } = await inFarm(root, false, (farm, store) =>
    openUtil(farm, store, command, name, interruption),
  );
  if (options.json) return printJson(terminal);
  printLine(
    `utility terminal ${terminal.id} started: pid ${terminal.pid}, port ${terminal.port}, ${whereItRuns(launched)}`,
  );
}

async function annotate(
  interruption: Interruption,
  file: unknown,
  options: FarmOptions & { builder?: unknown; util?: unknown },
): Promise<void> {
  const root = projectRoot();
  // A file the farm does not show is refused before the state folder is made.
  shownFile(root, resolve(String(file)));
  const { opened, secret } = await inFarm(root, false, async (farm, store) => {
    const parent = await annotationParent(
      store,
      textOption(options.builder, ['--builder']),
      textOption(options.util, ['--util']),
    );
    // Made before the viewer starts: the viewer only reads it.
    const secret = loadOrCreateSecret(secretPath(root));
    return {
      opened: await openAnnotation(farm, store, String(file), parent, annotationViewerArgv(root), { interruption }),
      secret,
    };
  });
  const { annotation, existing } = opened;
  const url = `http://127.0.0.1:${annotation.port}/?${TOKEN_PARAMETER}=${secret}`;
  if (options.json) return printJson({ ...annotation, url, ...(existing ? { existing: true } : {}) });
  if (existing)
    printLine(`annotation ${annotation.id}: ${annotation.file} was already open at ${url} (pid ${annotation.pid})`);
  else printLine(`annotation ${annotation.id}: ${annotation.file} at ${url} (pid ${annotation.pid})`);
}

async function stop(options: FarmOptions): Promise<void> {
  const stopped = await withState((store) => stopFarm(farmIdentity(projectRoot()), store));
  if (options.json) printJson(stopped);
  else if (stopped.length === 0) printLine('nothing was running or recorded; the state is clear');
  else
    for (const entry of stopped)
      printLine(`${entry.what}${entry.unrecorded ? ', not recorded' : ''} (pid ${entry.pid}): ${entry.outcome}`);
  const survivors = stopped.filter((entry) => entry.outcome === 'survived');
  if (survivors.length > 0) {
    note(`still running after SIGKILL: ${survivors.map((entry) => `${entry.what} (pid ${entry.pid})`).join(', ')}`);
    process.exitCode = 1;
  }
}

async function cleanup(options: FarmOptions & { project?: unknown; force?: boolean }): Promise<void> {
  const id = textOption(options.project, ['--project', '-p']);
  if (id === undefined) throw new InvalidInputError('af cleanup needs the builder: --project <id> (see "af status").');
  const result = await withState((store) =>
    cleanupBuilder(farmIdentity(projectRoot()), store, id, Boolean(options.force)),
  );
  if (options.json) return printJson(result);
  const removed = result.worktree ? `; removed worktree ${result.worktree} and branch ${result.branch}` : '';
  printLine(`builder ${id} cleaned up: process ${result.process}${removed}`);
}

export function registerLifecycle(cli: CAC): void {
  cli
    .option(
      '--architect-cmd <command>',
      'The architect command (default: shell.architect of codev/config.json, else claude)',
    )
    .option('--builder-cmd <command>', 'The builder command (default: shell.builder of codev/config.json, else claude)')
    .option(
      '--shell-cmd <command>',
      'The utility shell (default: shell.shell of codev/config.json, else $SHELL or bash)',
    );

  cli
    .command(
      'start',
      'Start the architect (in tmux when installed, else detached with a log in .agent-farm/logs), then the dashboard, and print its URL',
    )
    .option('-c, --cmd <command>', 'The architect command (the same as --architect-cmd)')
    .option('--no-role', "Do not name codev/roles/architect.md in the architect's prompt")
    .option('--no-browser', 'Do not open the dashboard in the browser')
    .option('--json', 'Print the recorded architect, and the dashboard, as JSON')
    .example('af start')
    .example('af start --architect-cmd "claude --model opus"')
    .example('af start -c "claude --model opus" --no-role')
    .action(interruptible(start));

  cli
    .command(
      'spawn',
      'Start a builder in its own worktree (.builders/<id>, branch builder/<id>), its instructions as the last argument; give one mode',
    )
    .option(
      '-p, --project <spec>',
      'Build a spec: codev/specs/<number>-<name>.md by number, name or both (the builder is named by its number)',
    )
    .option('--task <text>', 'Work on a task described in words')
    .option('--files <paths>', 'With --task: files to list in the task, separated by commas')
    .option('--protocol <name>', 'Run the protocol codev/protocols/<name>/protocol.md')
    .option('--shell', 'A builder without a worktree or prompt, in the project folder')
    .option('--worktree', 'A worktree with the builder command and no prompt')
    .option(
      '--resume <id>',
      'Start a recorded builder whose process ended again, in its worktree, with its instructions',
    )
    .option('--no-role', 'Do not name the role file (codev/roles/builder.md) in the prompt')
    .option('--json', 'Print the recorded builder as JSON')
    .example('af spawn --project 0042')
    .example('af spawn --task "Fix the flaky login test" --files test/login.test.ts,lib/login.ts --json')
    .example('af spawn --protocol spir --builder-cmd "claude --model sonnet"')
    .example('af spawn --resume 0042')
    .action(interruptible(spawn));

  cli
    .command('util', 'Open a utility terminal running the shell, on a port of the utils range')
    .option('--name <name>', 'What to call it (default: shell)')
    .option('--json', 'Print the recorded terminal as JSON')
    .example('af util --name logs')
    .example('af util --shell-cmd zsh --json')
    .action(interruptible(util));

  cli
    .command('annotate <file>', 'Serve a file read-only on 127.0.0.1, on a port of the annotations range')
    .option('--builder <id>', 'The builder it belongs to (default: the architect)')
    .option('--util <id>', 'The utility terminal it belongs to')
    .option('--json', 'Print the recorded annotation as JSON')
    .example('af annotate lib/state/store.ts')
    .example('af annotate .builders/task-1/README.md --builder task-1 --json')
    .action(interruptible(annotate));

  cli
    .command('stop', 'End every process of the farm (tmux sessions, process groups) and clear the state')
    .option('--json', 'Print what was ended as JSON')
    .example('af stop')
    .action(action(stop));

  cli
    .command('cleanup', 'End a builder, remove its worktree and branch and its record; refuses to lose unmerged work')
    .option('-p, --project <id>', 'The builder to clean up')
    .option('--force', 'Throw away uncommitted changes and unmerged commits')
    .option('--json', 'Print what was removed as JSON')
    .example('af cleanup --project 0042')
    .example('af cleanup --project task-3 --force')
    .action(action(cleanup));
}
