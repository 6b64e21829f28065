// Runs a command's action: any error is printed on stderr and sets a non-zero exit code.
import { printError } from './io.js';

export const EXIT_FAILURE = 1;

export function action<A extends unknown[]>(run: (...args: A) => Promise<void> | void): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await run(...args);
    } catch (error) {
      printError(error);
      process.exitCode = EXIT_FAILURE;
    }
  };
}
