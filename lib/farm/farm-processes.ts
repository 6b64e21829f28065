// Finding what a farm runs without its rows: the detached process groups that carry
// its mark (AF_FARM in their environment), and the `af` commands at work on the
// project (a start, spawn, util or annotate under way). Read from Linux's /proc;
// elsewhere none are found and `af stop` ends what the rows record.
import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { findProjectRoot } from '../shared/paths.js';
import { environmentOf, FARM_MARKER } from './farm-mark.js';

/** The commands that start processes: the ones `af stop` must interrupt. */
const STARTING_COMMANDS = new Set(['start', 'spawn', 'util', 'annotate']);

export interface FoundProcess {
  pid: number;
  /** Its command line, for messages. */
  command: string;
}

function processIds(): number[] {
  try {
    return readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .map(Number)
      .filter((pid) => pid !== process.pid);
  } catch {
    return [];
  }
}

function argvOf(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
  } catch {
    return undefined;
  }
}

/** The process group of `pid`: field 5 of /proc/<pid>/stat, after the parenthesised name. */
function processGroupOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' ? undefined : Number(fields[2]);
  } catch {
    return undefined;
  }
}

const realpathOr = (path: string) => {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
};

/** Leaders of process groups marked as the farm's: its detached processes and its tmux panes. */
export function markedProcessGroups(farmId: string): FoundProcess[] {
  const mark = `${FARM_MARKER}=${farmId}`;
  return processIds()
    .filter((pid) => processGroupOf(pid) === pid && (environmentOf(pid) ?? []).includes(mark))
    .map((pid) => ({ pid, command: (argvOf(pid) ?? []).join(' ') }));
}

/** This program's file, as a running `af` names it: the same file for every `af` of this install. */
const thisProgram = () => realpathOr(resolve(process.argv[1] ?? ''));

/** The `af start|spawn|util|annotate` processes at work in the project `root`, other than this one. */
export function farmCommandsInProgress(root: string): FoundProcess[] {
  const program = thisProgram();
  return processIds().flatMap((pid) => farmCommandAt(pid, root, program) ?? []);
}

/** `pid` as one of those commands, or undefined when it is not one. */
function farmCommandAt(pid: number, root: string, program: string): FoundProcess | undefined {
  const argv = argvOf(pid);
  if (!argv || argv.length < 3 || !STARTING_COMMANDS.has(argv[2]!)) return undefined;
  let cwd: string;
  try {
    cwd = readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
  if (realpathOr(resolve(cwd, argv[1]!)) !== program || findProjectRoot(cwd) !== root) return undefined;
  return { pid, command: `af ${argv.slice(2).join(' ')}` };
}

/** Whether `pid` is one of those commands (a row it reserved still names it). Reads that one process only. */
export function isFarmCommandInProgress(pid: number, root: string): boolean {
  return pid !== process.pid && farmCommandAt(pid, root, thisProgram()) !== undefined;
}
