// Writing a transaction's pages to disk, and copying the log back into the database.
// A commit of a new file publishes it whole (a temporary file renamed over the path);
// a commit to an existing one appends the pages SQLite wrote to the log as frames.
// A checkpoint copies the image into the database file in place and deletes the log;
// the last writer to close leaves a plain database file behind.
import { dirname } from 'node:path';
import { FileSystemError, LockLostError, SchemaTooNewError } from './errors.js';
import { readImageHeader } from './format/header.js';
import { sameBytes, withWrites } from './format/pages.js';
import { encodeFrames, FRAME_HEADER_SIZE, scanCommitted, WAL_HEADER_SIZE } from './format/wal.js';
import {
  assertLogRemovable,
  createLog,
  readLogHeader,
  removeLog,
  syncLog,
  writeInPlace,
  type LogState,
} from './io/log-file.js';
import { publishImage, syncPath } from './io/publish.js';
import type { Lease } from './lease.js';
import { lockStateOf, type HeldLock } from './lock/lock.js';
import type { MemoryCopy } from './memory-copy.js';
import type { Settings } from './options.js';
import { ABSENT, currentIdentity, type Snapshot } from './snapshot.js';
import type { MemoryFile } from './sqljs/memory-file.js';

/** How long a closing process that saw other writers gives them to take the lock it let go. */
const HANDOVER_MS = 3;

/** The database a commit writes: its files, its settings and its memory copy. */
export interface CommitTarget {
  readonly path: string;
  readonly logPath: string;
  readonly settings: Settings;
  readonly copy: MemoryCopy;
}

/**
 * Commits what SQLite wrote to its in-memory file (lengths by position) on top of
 * `base`: a new file is published whole; an existing one gets the written pages
 * appended to its log as SQLite frames, the last one marking the commit. Returns
 * whether the log was appended to.
 */
function commit(
  target: CommitTarget,
  base: Snapshot,
  writes: Map<number, number>,
  memory: MemoryFile,
  lock: HeldLock,
): boolean {
  const { path, settings, copy } = target;
  // The base image may change in place here: until the commit is on disk, a failure drops the snapshot.
  const readInto = (bytes: Uint8Array, position: number, length: number) => memory.readInto(bytes, position, length);
  const { image: next, pages, pageSize } = withWrites(base.image, writes, readInto, path);
  if (base.fileIdentity === ABSENT) {
    const fileIdentity = publishImage(path, next, settings.durability, settings.fileMode, () => {
      assertStillCurrent(target, lock, base);
      removeLog(path); // a log without its database is left over from a deleted one
    });
    copy.matches({ fileIdentity, image: next, log: undefined, logHeader: undefined, nativeWal: false });
    return false;
  }
  let current = base;
  if (!base.log) {
    assertStillCurrent(target, lock, base); // before replacing whatever log is there
    const started = startLog(target, pageSize);
    current = { ...base, log: started, logHeader: started.headerBytes };
  }
  const log = current.log!;
  const frames = encodeFrames(log.header, log.end, [...pages], next.length / pageSize);
  const sync = settings.durability === 'full';
  copy.log.append(frames.bytes, log.end.offset, sync, (header, beyond) => {
    assertStillCurrent(target, lock, current, header);
    assertNoCommitBeyond(log, beyond, lock);
  });
  copy.matches({ ...current, image: next, log: { ...log, end: frames.end } });
  return true;
}

/** Whether a commit on top of `snapshot` should be followed by a checkpoint. */
function wantsCheckpoint(snapshot: Snapshot, checkpointFrames: number): boolean {
  return snapshot.nativeWal || (snapshot.log !== undefined && frameCount(snapshot.log) >= checkpointFrames);
}

/**
 * Commits what a transaction wrote (see commit()), then checkpoints when one is due;
 * says whether the log was appended to, and whether the lock was lost. A lock found
 * lost at that checkpoint, the commit already on disk, leaves the checkpoint to the
 * next writer: running the transaction again would apply its changes twice.
 */
export function commitAndCheckpoint(
  target: CommitTarget,
  base: Snapshot,
  writes: Map<number, number>,
  memory: MemoryFile,
  lock: HeldLock,
  { closing, unchecked }: { closing: boolean; unchecked: boolean },
): { appended: boolean; lockLost: boolean } {
  // A transaction that wrote nothing has no commit to check the files; one that ran on a copy nobody
  // compared with them (under a kept lock) may have read and returned what a tool ignoring the lock replaced.
  if (writes.size === 0 && unchecked) assertUnchanged(target, lock, base);
  const appended = writes.size > 0 && commit(target, base, writes, memory, lock);
  if (!wantsCheckpoint(target.copy.current!, target.settings.checkpointFrames)) return { appended, lockLost: false };
  try {
    checkpoint(target, lock, closing);
    return { appended, lockLost: false };
  } catch (error) {
    if (!(writes.size > 0 && error instanceof LockLostError)) throw error;
    target.copy.drop(); // the next use reads the files again
    return { appended, lockLost: true };
  }
}

/**
 * Copies the image into the database file in place and deletes the log. Readers
 * stay whole meanwhile: every page that changes is also in the log they apply,
 * and the log's header tells them when it went. Unless `closing`, a checkpoint that
 * meets a file-system error (a full disk) after a commit leaves the log for later.
 */
function checkpoint(target: CommitTarget, lock: HeldLock, closing: boolean): void {
  const { path, logPath, settings, copy } = target;
  const snapshot = copy.current!;
  assertStillCurrent(target, lock, snapshot);
  assertLogRemovable(path); // a planted -wal/-shm stops the checkpoint before the database is written
  const sync = settings.durability !== 'none';
  try {
    // The log must be on disk before the database changes, the database before the log goes.
    if (sync && snapshot.log) syncLog(logPath);
    // Gone since the check above: a tool that ignores the lock deleted it; start again from the files.
    const pageSize = readImageHeader(snapshot.image, path).pageSize;
    if (!writeInPlace(path, snapshot.image, pageSize, sync)) throw new LockLostError(lock.lockPath);
    removeLog(path);
  } catch (error) {
    // A commit just appended is in the log, which stays whole and applied by every
    // reader: on a full disk its checkpoint waits for a later commit or close().
    if (!closing && snapshot.log && error instanceof FileSystemError) {
      copy.drop();
      return;
    }
    throw error;
  }
  copy.matches({
    fileIdentity: currentIdentity(path),
    image: snapshot.image,
    log: undefined,
    logHeader: undefined,
    nativeWal: false,
  });
}

/**
 * Leaves a plain database file behind this process, unless another process is busy
 * with it: that one does so when it closes (the last writer out checkpoints).
 */
export async function checkpointOnClose(target: CommitTarget, lease: Lease): Promise<void> {
  const { path, logPath, settings, copy } = target;
  if (copy.othersWrote) {
    // Another writer at work takes the lock within moments of this process letting it go.
    lease.drop();
    await new Promise((resolve) => setTimeout(resolve, HANDOVER_MS));
    if (lockStateOf(path, settings.timing.staleThreshold) === 'held') return;
  }
  const taken = await lease.take(() => readLogHeader(logPath) === undefined).catch(() => undefined);
  if (!taken) return;
  try {
    copy.refresh();
    if (copy.current!.log) checkpoint(target, taken.lock, true);
  } catch (error) {
    // A file a newer version migrated is for that version to checkpoint.
    if (!(error instanceof SchemaTooNewError)) throw error;
  } finally {
    taken.lock.release();
  }
}

function startLog({ path, logPath, settings }: CommitTarget, pageSize: number): LogState {
  const log = createLog(logPath, pageSize, settings.fileMode, path);
  // 'full' promises that a returned commit survives power loss: the log's folder entry too.
  if (settings.durability === 'full') syncPath(dirname(path));
  return log;
}

/** Refuses to write when another process took the lock over or wrote meanwhile: the files must be as `base` saw them. */
function assertStillCurrent(
  target: CommitTarget,
  lock: HeldLock,
  base: Snapshot,
  logHeader = readLogHeader(target.logPath),
): void {
  if (
    !lock.stillOwned() ||
    currentIdentity(target.path) !== base.fileIdentity ||
    !sameBytes(logHeader, base.logHeader)
  ) {
    throw new LockLostError(lock.lockPath);
  }
}

/** Refuses (LockLostError) when the files are no longer as `base` saw them, the log's newer commits included. */
function assertUnchanged(target: CommitTarget, lock: HeldLock, base: Snapshot): void {
  const log = target.copy.log.readHeaderAndTail(base.log?.end.offset);
  assertStillCurrent(target, lock, base, log?.header);
  if (base.log) assertNoCommitBeyond(base.log, log?.tail, lock);
}

/**
 * A commit past the frames this process knows came from a writer that ignores the lock (the sqlite3 shell, which
 * writes a log it finds in WAL mode): start again from the files. Frames a killed writer left are written over.
 */
function assertNoCommitBeyond(log: LogState, beyond: Uint8Array | undefined, lock: HeldLock): void {
  if (beyond && beyond.length > 0 && scanCommitted(beyond, log.end.offset, log.header, log.end).pageCount > 0)
    throw new LockLostError(lock.lockPath);
}

function frameCount(log: LogState): number {
  return (log.end.offset - WAL_HEADER_SIZE) / (FRAME_HEADER_SIZE + log.header.pageSize);
}
