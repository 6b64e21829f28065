// Wakes writers waiting for a lock the moment its holder removes the lock
// directory, instead of at their next backoff tick: one file-system watcher per
// folder, shared by all of this process's waiters, closed when none is left (not
// every runtime lets an idle watcher leave the process free to exit). Where watching
// is not available the wait simply lasts its full backoff.
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

interface FolderWatch {
  watcher: FSWatcher | undefined;
  /** Lock directory name → the wake-up functions of the waiters on it. */
  waiters: Map<string, Set<() => void>>;
}

const folders = new Map<string, FolderWatch>();

/** Resolves when `lockPath` is removed or renamed, or after `timeoutMs`, whichever comes first. */
export function lockReleasedOrTimeout(lockPath: string, timeoutMs: number): Promise<void> {
  const folder = dirname(lockPath);
  const name = basename(lockPath);
  const watched = folders.get(folder) ?? startWatching(folder);
  return new Promise((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      const waiters = watched.waiters.get(name);
      waiters?.delete(wake);
      if (waiters?.size === 0) watched.waiters.delete(name);
      if (watched.waiters.size === 0) stopWatching(folder, watched);
      resolve();
    };
    const timer = setTimeout(wake, timeoutMs);
    const waiters = watched.waiters.get(name) ?? new Set();
    waiters.add(wake);
    watched.waiters.set(name, waiters);
    // Released between the caller's failed attempt and the watch starting: no event will come.
    if (!existsSync(lockPath)) wake();
  });
}

function startWatching(folder: string): FolderWatch {
  const watched: FolderWatch = { watcher: undefined, waiters: new Map() };
  try {
    watched.watcher = watch(folder, { persistent: false }, (_event, name) => {
      // Some platforms omit the name: then every waiter in the folder retries.
      const targets = name ? [watched.waiters.get(String(name))] : [...watched.waiters.values()];
      for (const waiters of targets) for (const wake of [...(waiters ?? [])]) wake();
    });
    watched.watcher.on('error', () => stopWatching(folder, watched));
  } catch {
    // No watching here (some network file systems, some runtimes): the backoff alone applies.
  }
  folders.set(folder, watched);
  return watched;
}

function stopWatching(folder: string, watched: FolderWatch): void {
  watched.watcher?.close();
  watched.watcher = undefined;
  if (folders.get(folder) === watched) folders.delete(folder);
}
