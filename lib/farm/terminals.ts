// `af util` and `af annotate`: utility terminals and annotation viewers. Each is
// reserved with its port in one transaction, then launched, then its process
// recorded; a failed launch, or a signal before the record, ends the process and
// removes the reservation. A file has one viewer, shared by `af annotate` and the
// dashboard's Open file.
import { resolve } from 'node:path';
import { InvalidInputError } from '../engine/index.js';
import type { StateStore } from '../state/store.js';
import type { Annotation, UtilTerminal } from '../state/types.js';
import type { Farm } from './project-farm.js';
import { NO_INTERRUPTION, type Interruption } from './interruption.js';
import { isFarmCommandInProgress } from './farm-processes.js';
import { prunedState } from './overview.js';
import { shownFile } from './project-file.js';
import { endFailedSession, launchServer, launchTerminal, stopProcess, type Launched } from './launch.js';
import { checkedName } from './tabs.js';

/** Ids random enough that two commands at once never pick the same one. */
// Six hex digits: unique enough among one project's terminals, and no node:crypto to load at start-up.
const newId = (prefix: string) =>
  `${prefix}-${Math.floor(Math.random() * 0x100_0000)
    .toString(16)
    .padStart(6, '0')}`;

interface ReservedLaunch {
  what: string;
  /** The farm whose mark the launched process carries. */
  farmId: string;
  /** A tmux session the launch may have made, ended on undo. */
  session?: string;
  remove(): Promise<void>;
}

/**
 * Launches the process of a reserved row and records it; a failure or a signal
 * before the record ends the process (and its session) and removes the row.
 */
async function launchReserved(
  reserved: ReservedLaunch,
  interruption: Interruption,
  launch: () => Promise<Launched>,
  record: (launched: Launched) => Promise<void>,
): Promise<Launched> {
  let launched: Launched | undefined;
  try {
    interruption.checkpoint(reserved.what);
    launched = await launch();
    interruption.checkpoint(reserved.what);
    await record(launched);
    return launched;
  } catch (error) {
    try {
      if (launched) await stopProcess(launched, reserved.farmId);
      if (reserved.session) await endFailedSession(reserved.session, error);
    } finally {
      await reserved.remove();
    }
    throw error;
  }
}

export async function openUtil(
  farm: Farm,
  store: StateStore,
  command: string,
  name: string,
  interruption: Interruption = NO_INTERRUPTION,
): Promise<{ util: UtilTerminal; launched: Launched }> {
  const reserved = await store.reserveUtil(
    { id: newId('util'), name: checkedName(name, "a utility terminal's name"), pid: process.pid },
    farm.layout.utils,
  );
  const session = farm.sessionName(reserved.id);
  const launched = await launchReserved(
    {
      what: `utility terminal ${reserved.id}`,
      farmId: farm.id,
      ...(farm.useTmux ? { session } : {}),
      remove: () => store.removeUtil(reserved.id),
    },
    interruption,
    () =>
      launchTerminal(
        {
          label: 'the shell command',
          command,
          cwd: farm.root,
          session,
          logFile: farm.logFile(reserved.id),
          farmId: farm.id,
        },
        farm.useTmux,
      ),
    (started) => store.setUtilProcess(reserved.id, started),
  );
  const util: UtilTerminal = {
    ...reserved,
    pid: launched.pid,
    ...(launched.tmuxSession ? { tmuxSession: launched.tmuxSession } : {}),
  };
  return { util, launched };
}

export type AnnotationParent = Annotation['parent'];

/** The parent named on the command line, checked to exist; the architect by default. */
export async function annotationParent(
  store: StateStore,
  builderId: string | undefined,
  utilId: string | undefined,
): Promise<AnnotationParent> {
  if (builderId !== undefined && utilId !== undefined)
    throw new InvalidInputError('an annotation has one parent: give --builder or --util, not both.');
  if (builderId !== undefined) {
    if (!(await store.getBuilder(builderId)))
      throw new InvalidInputError(`there is no builder ${builderId}; see "af status".`);
    return { type: 'builder', id: builderId };
  }
  if (utilId !== undefined) {
    if (!(await store.getUtils()).some((util) => util.id === utilId))
      throw new InvalidInputError(`there is no utility terminal ${utilId}; see "af status".`);
    return { type: 'util', id: utilId };
  }
  return { type: 'architect' };
}

export interface OpenedAnnotation {
  annotation: Annotation;
  /** The file already had a live viewer, which is given back instead of a new one. */
  existing: boolean;
}

export interface AnnotationOptions {
  interruption?: Interruption;
  /** Run before a new viewer is reserved, not when one is reused (the dashboard's tab limit). */
  beforeNew?: () => Promise<void>;
}

/**
 * Serves `file` read-only on a port of the annotations range, in its own process:
 * `serverArgv(file, port)` is the command line of that process. A file that already
 * has a live viewer gets that one back; a dead viewer's row is pruned and replaced.
 */
export async function openAnnotation(
  farm: Farm,
  store: StateStore,
  file: string,
  parent: AnnotationParent,
  serverArgv: (file: string, port: number) => string[],
  options: AnnotationOptions = {},
): Promise<OpenedAnnotation> {
  const path = shownFile(farm.root, resolve(file));
  // A viewer another af annotate is still starting (its row names that command) is not given out: it may fail.
  const existing = (await prunedState(store)).annotations.find(
    (annotation) => annotation.file === path && !isFarmCommandInProgress(annotation.pid, farm.root),
  );
  if (existing) return { annotation: existing, existing: true };
  await options.beforeNew?.();
  const reserved = await store.reserveAnnotation(
    { id: newId('ann'), file: path, pid: process.pid, parent },
    farm.layout.annotations,
  );
  const argv = serverArgv(path, reserved.port);
  const launched = await launchReserved(
    { what: `annotation ${reserved.id}`, farmId: farm.id, remove: () => store.removeAnnotation(reserved.id) },
    options.interruption ?? NO_INTERRUPTION,
    async () => ({
      pid: await launchServer(
        {
          label: 'the annotation viewer',
          command: argv.join(' '),
          cwd: farm.root,
          logFile: farm.logFile(reserved.id),
          farmId: farm.id,
        },
        argv,
      ),
    }),
    (started) => store.setAnnotationProcess(reserved.id, started.pid),
  );
  return { annotation: { ...reserved, pid: launched.pid }, existing: false };
}
