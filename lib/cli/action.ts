// Runs a command's action: any error is printed on stderr and sets a non-zero exit code.
import { constants } from 'node:os';
import { InterruptedError } from '../shared/errors.js';
import { printError } from './io.js';

export const EXIT_FAILURE = 1;

export function action<A extends unknown[]>(run: (...args: A) => Promise<void> | void): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await run(...args);
    } catch (error) {
      printError(error);
      // Ended by a signal: the status a shell expects of it (130 for Ctrl-C, 143 for SIGTERM).
      process.exitCode = error instanceof InterruptedError ? signalExitCode(error.signal) : EXIT_FAILURE;
    }
  };
}

/** The exit status of a process ended by `signal`, as a shell reports it: 128 + its number. */
function signalExitCode(signal: string): number {
  return 128 + (constants.signals[signal as NodeJS.Signals] ?? 0);
}
