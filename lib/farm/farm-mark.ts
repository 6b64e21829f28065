// The mark that makes a process one of a farm's: AF_FARM=<farm id> in its environment,
// given to every process and tmux pane the farm starts. `af stop` and `af cleanup`
// signal only marked processes, so a row that names someone else's pid (a planted
// state.db, a pid reused after a crash) never ends a process the farm did not start.
import { readFileSync } from 'node:fs';

/** The environment variable that marks a process as one of a farm's: its value is the farm's id. */
export const FARM_MARKER = 'AF_FARM';

/** The environment of a running process, from Linux's /proc; undefined where it cannot be read. */
export function environmentOf(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  } catch {
    return undefined;
  }
}

/** Whether `/proc` shows processes' environments here (Linux); elsewhere marks cannot be read. */
function marksReadable(): boolean {
  return environmentOf(process.pid) !== undefined;
}

/**
 * True when `pid` carries the farm's mark. Where marks cannot be read at all (no
 * /proc), every live process counts as marked: the rows are all there is to go by.
 */
export function carriesFarmMark(pid: number, farmId: string): boolean {
  const environment = environmentOf(pid);
  if (environment) return environment.includes(`${FARM_MARKER}=${farmId}`);
  return !marksReadable();
}
