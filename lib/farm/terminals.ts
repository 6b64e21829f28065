// `af util` and `af annotate`: utility terminals and annotation viewers. Each is
// reserved with its port in one transaction, then launched, then its process
// recorded; a failed launch removes the reservation.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidInputError } from '../db/errors.js';
import type { StateStore } from '../state.js';
import type { Annotation, UtilTerminal } from '../types.js';
import type { Farm } from './farm.js';
import { launchServer, launchTerminal, recordOrStop, type Launched } from './launch.js';

/** Ids random enough that two commands at once never pick the same one. */
// Six hex digits: unique enough among one project's terminals, and no node:crypto to load at start-up.
const newId = (prefix: string) => `${prefix}-${Math.floor(Math.random() * 0x100_0000).toString(16).padStart(6, '0')}`;

/** Runs `launch` for a reserved row: a failed launch removes the row. */
async function launchReserved<T>(remove: () => Promise<void>, launch: () => Promise<T>): Promise<T> {
  try {
    return await launch();
  } catch (error) {
    await remove();
    throw error;
  }
}

export async function openUtil(farm: Farm, store: StateStore, command: string, name: string): Promise<{ util: UtilTerminal; launched: Launched }> {
  const reserved = await store.reserveUtil({ id: newId('util'), name, pid: process.pid }, farm.layout.utils);
  const launched = await launchReserved(() => store.removeUtil(reserved.id), () => launchTerminal({
    label: 'the shell command', command, cwd: farm.root, session: farm.sessionName(reserved.id), logFile: farm.logFile(reserved.id),
  }, farm.useTmux));
  await recordOrStop(launched, () => store.setUtilProcess(reserved.id, launched));
  const util: UtilTerminal = { ...reserved, pid: launched.pid, ...(launched.tmuxSession ? { tmuxSession: launched.tmuxSession } : {}) };
  return { util, launched };
}

export type AnnotationParent = Annotation['parent'];

/** The parent named on the command line, checked to exist; the architect by default. */
export async function annotationParent(store: StateStore, builderId: string | undefined, utilId: string | undefined): Promise<AnnotationParent> {
  if (builderId !== undefined && utilId !== undefined) throw new InvalidInputError('an annotation has one parent: give --builder or --util, not both.');
  if (builderId !== undefined) {
    if (!(await store.getBuilder(builderId))) throw new InvalidInputError(`there is no builder ${builderId}; see "af status".`);
    return { type: 'builder', id: builderId };
  }
  if (utilId !== undefined) {
    if (!(await store.getUtils()).some((util) => util.id === utilId)) throw new InvalidInputError(`there is no utility terminal ${utilId}; see "af status".`);
    return { type: 'util', id: utilId };
  }
  return { type: 'architect' };
}

/**
 * Serves `file` read-only on a port of the annotations range, in its own process:
 * `serverArgv(file, port)` is the command line of that process.
 */
export async function openAnnotation(farm: Farm, store: StateStore, file: string, parent: AnnotationParent, serverArgv: (file: string, port: number) => string[]): Promise<Annotation> {
  const path = resolve(file);
  if (!isReadableFile(path)) throw new InvalidInputError(`${path} is not a file that can be read; af annotate shows one existing file.`);
  const reserved = await store.reserveAnnotation({ id: newId('ann'), file: path, pid: process.pid, parent }, farm.layout.annotations);
  const argv = serverArgv(path, reserved.port);
  const pid = await launchReserved(() => store.removeAnnotation(reserved.id), () => launchServer({
    label: 'the annotation viewer', command: argv.join(' '), cwd: farm.root, logFile: farm.logFile(reserved.id),
  }, argv));
  await recordOrStop({ pid }, () => store.setAnnotationProcess(reserved.id, pid));
  return { ...reserved, pid };
}

function isReadableFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
