// Wakes writers waiting for a lock the moment its holder removes the lock
// directory, instead of at their next backoff tick. The lock directory itself is
// watched, not the folder around it: the folder sees every write to the database
// and its log, which would wake every waiter at every commit. One watcher per lock
// directory, shared by this process's waiters on it and closed as soon as none is
// left (not every runtime lets an idle watcher leave the process free to exit).
// Where watching is not available the wait simply lasts its full backoff.
import { watch, type FSWatcher } from 'node:fs';
import { HOLDER_FILE } from './lock-directory.js';

interface LockWatch {
  watcher: FSWatcher | undefined;
  /** The directory was gone when the watch was to start: it was released meanwhile. */
  gone: boolean;
  waiters: Set<() => void>;
}

const watches = new Map<string, LockWatch>();

/** Resolves when the directory `lockPath` is removed or renamed, or after `timeoutMs`, whichever comes first. */
export function lockReleasedOrTimeout(lockPath: string, timeoutMs: number): Promise<void> {
  const watched = watches.get(lockPath) ?? startWatching(lockPath);
  return new Promise((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      watched.waiters.delete(wake);
      if (watched.waiters.size === 0) stopWatching(lockPath, watched);
      resolve();
    };
    const timer = setTimeout(wake, timeoutMs);
    watched.waiters.add(wake);
    // Released before the watch started: no event will come.
    if (watched.gone) wake();
  });
}

function startWatching(lockPath: string): LockWatch {
  const watched: LockWatch = { watcher: undefined, gone: false, waiters: new Set() };
  try {
    // The directory went, or its holder refreshed it (then they wait again), wakes the waiters;
    // the holder's record coming and going inside it does not (it goes just before the directory).
    watched.watcher = watch(lockPath, { persistent: false }, (_event, name) => {
      if (name === HOLDER_FILE) return;
      for (const wake of [...watched.waiters]) wake();
    });
    watched.watcher.on('error', () => {
      for (const wake of [...watched.waiters]) wake();
    });
  } catch (error) {
    // Gone already; else no watching here (some network file systems, some runtimes): the backoff alone applies.
    watched.gone = (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
  watches.set(lockPath, watched);
  return watched;
}

function stopWatching(lockPath: string, watched: LockWatch): void {
  watched.watcher?.close();
  watched.watcher = undefined;
  if (watches.get(lockPath) === watched) watches.delete(lockPath);
}
