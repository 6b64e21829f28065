// The farm's lifecycle commands: start (the architect, then the dashboard), spawn,
// util, annotate, stop, cleanup, and the options that choose the commands they
// launch. Each parses, calls lib/farm, and prints; the work is done there.
import type { CAC } from 'cac';
import { InvalidInputError } from '../engine/index.js';
import { InterruptedError } from '../shared/errors.js';
import { startArchitect } from '../farm/architect.js';
import { cleanupBuilder, spawnBuilder, type SpawnedBuilder, type SpawnMode } from '../farm/builders.js';
import { architectInstructions, builderInstructions, fileList } from '../farm/instructions.js';
import { endedBuilderHint, endedBuilders, resumeBuilder } from '../farm/resume.js';
import { farmCommand, type CommandOverrides, type CommandRole } from '../farm/config.js';
import { farmIdentity } from '../farm/project-farm.js';
import { excludeFarmFolders } from '../farm/git-exclude.js';
import { TOKEN_PARAMETER } from '../farm/http-guard.js';
import { withSignalsDeferred, type Interruption } from '../farm/interruption.js';
import type { Launched } from '../farm/launch.js';
import { loadOrCreateSecret, secretPath } from '../farm/secret.js';
import { stopFarm } from '../farm/stop.js';
import { annotationParent, openAnnotation, openUtil } from '../farm/terminals.js';
import { action, EXIT_FAILURE } from './action.js';
import { announceDashboard, startDashboard, type DashboardOptions } from './dashboard.js';
import { annotationViewerArgv } from '../farm/annotation-viewer-command.js';
import { note, printError, printJson, printLine } from './io.js';
import { inFarm } from './in-farm.js';
import { projectRoot, withState } from './stores.js';
import { textOption } from './text-option.js';

interface Options {
  architectCmd?: unknown;
  builderCmd?: unknown;
  shellCmd?: unknown;
  /** `af start -c`: the native shorthand of --architect-cmd. */
  cmd?: unknown;
  /** False with --no-role. */
  role?: boolean;
  json?: boolean;
}

interface SpawnOptions extends Options {
  project?: unknown;
  task?: unknown;
  files?: unknown;
  protocol?: unknown;
  shell?: boolean;
  worktree?: boolean;
  resume?: unknown;
}

function overridesOf(options: Options): CommandOverrides {
  const cmd = textOption(options.cmd, ['--cmd', '-c']);
  const architectCmd = textOption(options.architectCmd, ['--architect-cmd']);
  if (cmd !== undefined && architectCmd !== undefined)
    throw new InvalidInputError('give the architect command once: --cmd (-c) and --architect-cmd are the same option.');
  return {
    architectCmd: cmd ?? architectCmd,
    builderCmd: textOption(options.builderCmd, ['--builder-cmd']),
    shellCmd: textOption(options.shellCmd, ['--shell-cmd']),
  };
}

/** The command `role` runs, checked to be installed before any state, port or row is touched. */
function prepare(role: CommandRole, options: Options): { root: string; command: string } {
  const root = projectRoot();
  return { root, command: farmCommand(root, role, overridesOf(options)) };
}

/**
 * Runs a command that starts processes with SIGINT, SIGTERM and SIGHUP deferred (see
 * interruption.ts): its errors are printed like any command's, and a signal sets the
 * exit status 128 + its number.
 */
function interruptible<A extends unknown[]>(
  run: (interruption: Interruption, ...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await withSignalsDeferred((interruption) => run(interruption, ...args));
    } catch (error) {
      printError(error);
      if (process.exitCode === undefined || process.exitCode === 0) process.exitCode = EXIT_FAILURE;
    }
  };
}

function whereItRuns(launched: Launched): string {
  return launched.tmuxSession
    ? `in tmux session ${launched.tmuxSession} (attach: tmux attach -t ${launched.tmuxSession})`
    : `detached, output in ${launched.logFile}`;
}

async function start(interruption: Interruption, options: Options & DashboardOptions): Promise<void> {
  const { root, command } = prepare('architect', options);
  await excludeFarmFolders(root).then((leftAlone) => leftAlone && note(leftAlone));
  const { result, dashboard, ended } = await inFarm(root, true, async (farm, store) => {
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
  for (const builder of ended) note(`builder ${builder.id} is not running: ${endedBuilderHint(builder.id)}.`);
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

/** `--files a,b`: the task's files, listed in its prompt (native: only with --task). */
function filesOf(options: SpawnOptions, task: string | undefined): string[] | undefined {
  const files = textOption(options.files, ['--files']);
  if (files === undefined) return undefined;
  if (task === undefined) throw new InvalidInputError('--files goes with --task: the files are listed in the task.');
  const list = fileList(files);
  if (list.length === 0) throw new InvalidInputError('--files needs one or more paths, separated by commas.');
  return list;
}

type SpawnRequest = { mode: SpawnMode } | { resume: string };

function spawnRequest(options: SpawnOptions): SpawnRequest {
  const project = textOption(options.project, ['--project', '-p']);
  const task = textOption(options.task, ['--task']);
  const protocol = textOption(options.protocol, ['--protocol']);
  const resume = textOption(options.resume, ['--resume']);
  const files = filesOf(options, task);
  const candidates: Array<[flag: string, request: SpawnRequest | undefined]> = [
    ['--project', project === undefined ? undefined : { mode: { type: 'spec', project } }],
    ['--task', task === undefined ? undefined : { mode: { type: 'task', task, ...(files ? { files } : {}) } }],
    ['--protocol', protocol === undefined ? undefined : { mode: { type: 'protocol', protocol } }],
    ['--shell', options.shell ? { mode: { type: 'shell' } } : undefined],
    ['--worktree', options.worktree ? { mode: { type: 'worktree' } } : undefined],
    ['--resume', resume === undefined ? undefined : { resume }],
  ];
  const given = candidates.filter(([, request]) => request !== undefined);
  if (given.length !== 1) {
    throw new InvalidInputError(
      `af spawn takes exactly one of --project <id>, --task <text>, --protocol <name>, --shell, --worktree, --resume <id>; got ${given.length === 0 ? 'none' : given.map(([flag]) => flag).join(' and ')}.`,
    );
  }
  const [flag, request] = given[0]!;
  if ([project, task, protocol, resume].some((text) => text?.trim() === ''))
    throw new InvalidInputError(`${flag} needs a value.`);
  return request!;
}

/** A new builder (its command and its spec or protocol checked before anything is touched), or one resumed. */
function spawnOrResume(interruption: Interruption, options: SpawnOptions): Promise<SpawnedBuilder> {
  const request = spawnRequest(options);
  const root = projectRoot();
  if ('resume' in request)
    // Its own command again, unless one is given here (checked once its record is read).
    return inFarm(root, false, (farm, store) =>
      resumeBuilder(farm, store, request.resume, overridesOf(options).builderCmd, interruption),
    );
  const { command } = prepare('builder', options);
  const withRole = options.role !== false;
  // A missing spec or protocol is refused before the state or a port block is touched.
  builderInstructions(root, request.mode, withRole);
  return inFarm(root, false, (farm, store) =>
    spawnBuilder(farm, store, request.mode, command, { withRole }, interruption),
  );
}

async function spawn(interruption: Interruption, options: SpawnOptions): Promise<void> {
  const { builder, launched } = await spawnOrResume(interruption, options);
  if (options.json) return printJson(builder);
  const started = options.resume === undefined ? 'started' : 'resumed';
  printLine(`builder ${builder.id} ${started}: pid ${builder.pid}, port ${builder.port}, ${whereItRuns(launched)}`);
  if (builder.worktree) printLine(`  worktree ${builder.worktree} on branch ${builder.branch}`);
}

async function util(interruption: Interruption, options: Options & { name?: unknown }): Promise<void> {
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
  options: Options & { builder?: unknown; util?: unknown },
): Promise<void> {
  const root = projectRoot();
  const { annotation, secret } = await inFarm(root, false, async (farm, store) => {
    const parent = await annotationParent(
      store,
      textOption(options.builder, ['--builder']),
      textOption(options.util, ['--util']),
    );
    // Made before the viewer starts: the viewer only reads it.
    const secret = loadOrCreateSecret(secretPath(root));
    return {
      annotation: await openAnnotation(farm, store, String(file), parent, annotationViewerArgv(root), interruption),
      secret,
    };
  });
  const url = `http://127.0.0.1:${annotation.port}/?${TOKEN_PARAMETER}=${secret}`;
  if (options.json) return printJson({ ...annotation, url });
  printLine(`annotation ${annotation.id}: ${annotation.file} at ${url} (pid ${annotation.pid})`);
}

async function stop(options: Options): Promise<void> {
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

async function cleanup(options: Options & { project?: unknown; force?: boolean }): Promise<void> {
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
