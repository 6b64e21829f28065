// Ctrl-C, SIGTERM and SIGHUP during a farm command that starts something (start,
// spawn, util, annotate). Dying at once would leave a process running that no row
// records, or a row naming the dead command. So the signal is noted, the
// command goes on to its next checkpoint, and there it either undoes what it
// started (before the record is complete) or finishes (after): the command then
// exits with the signal's status, 128 + its number.
import { constants } from 'node:os';
import { InterruptedError } from '../shared/errors.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
type HandledSignal = (typeof SIGNALS)[number];

/** The command was interrupted by a signal before it recorded what it started; what it started was undone. */
function interruptedWhileStarting(signal: HandledSignal, what: string): InterruptedError {
  return new InterruptedError(
    signal,
    `starting ${what}`,
    'what it had started was ended and removed, nothing is recorded. Run the command again.',
  );
}

export interface Interruption {
  /** The signal received so far, if any. */
  readonly signal: HandledSignal | undefined;
  /** Throws an InterruptedError when a signal came: call it between steps that can be undone. */
  checkpoint(what: string): void;
}

/**
 * Runs `command` with SIGINT, SIGTERM and SIGHUP held back: the first one is noted
 * (later ones are ignored while the command undoes its work), and once `command`
 * settles the exit status says which signal came.
 */
export async function withSignalsDeferred<T>(command: (interruption: Interruption) => Promise<T>): Promise<T> {
  let received: HandledSignal | undefined;
  const onSignal = (signal: HandledSignal) => {
    received ??= signal;
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  const interruption: Interruption = {
    get signal() {
      return received;
    },
    checkpoint(what) {
      if (received) throw interruptedWhileStarting(received, what);
    },
  };
  try {
    return await command(interruption);
  } finally {
    for (const signal of SIGNALS) process.off(signal, onSignal);
    if (received) process.exitCode = 128 + constants.signals[received];
  }
}

/** For code paths with nothing to interrupt (tests, embedding). */
export const NO_INTERRUPTION: Interruption = { signal: undefined, checkpoint() {} };
