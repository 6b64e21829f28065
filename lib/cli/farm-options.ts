// The options every lifecycle command shares (the commands each one launches, and
// --no-role), how a command that starts processes is run (signals deferred), and how
// it says where a process runs.
import { InvalidInputError } from '../engine/index.js';
import { farmCommand, type CommandOverrides, type CommandRole } from '../farm/config.js';
import { withSignalsDeferred, type Interruption } from '../farm/interruption.js';
import type { Launched } from '../farm/launch.js';
import { EXIT_FAILURE } from './action.js';
import { printError } from './io.js';
import { projectRoot } from './stores.js';
import { textOption } from './text-option.js';

export interface FarmOptions {
  architectCmd?: unknown;
  builderCmd?: unknown;
  shellCmd?: unknown;
  /** `af start -c`: the native shorthand of --architect-cmd. */
  cmd?: unknown;
  /** False with --no-role. */
  role?: boolean;
  json?: boolean;
}

export function overridesOf(options: FarmOptions): CommandOverrides {
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
export function prepare(role: CommandRole, options: FarmOptions): { root: string; command: string } {
  const root = projectRoot();
  return { root, command: farmCommand(root, role, overridesOf(options)) };
}

/**
 * Runs a command that starts processes with SIGINT, SIGTERM and SIGHUP deferred (see
 * interruption.ts): its errors are printed like any command's, and a signal sets the
 * exit status 128 + its number.
 */
export function interruptible<A extends unknown[]>(
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

export function whereItRuns(launched: Launched): string {
  return launched.tmuxSession
    ? `in tmux session ${launched.tmuxSession} (attach: tmux attach -t ${launched.tmuxSession})`
    : `detached, output in ${launched.logFile}`;
}
