// Wakes a writer waiting for a lock the moment its holder removes the lock directory,
// instead of at its next backoff tick. The lock directory itself is watched, not the
// folder around it: the folder sees every write to the database and its log, which
// would wake every waiter at every commit. One watch lasts a whole wait for the lock
// (acquireLock), across its wake-ups, and is closed when the wait ends (not every
// runtime lets an idle watcher leave the process free to exit). Where watching is not
// available the wait simply lasts its full backoff.
import { watch, type FSWatcher } from 'node:fs';
import { HOLDER_FILE } from './lock-directory.js';

export class LockWatch {
  private watcher: FSWatcher | undefined;
  /** The watched directory went (or was refreshed) since the last wake-up: watch it afresh. */
  private changed = false;
  /** Watching failed for another reason than the directory being gone: backoff alone. */
  private unavailable = false;
  private wake: (() => void) | undefined;

  constructor(private readonly lockPath: string) {}

  /** Whether a release wakes the waiter (so far): else only the timeout does. */
  get watching(): boolean {
    return !this.unavailable;
  }

  /** Resolves when the directory is removed, renamed or refreshed, or after `timeoutMs`, whichever comes first. */
  releasedOrTimeout(timeoutMs: number): Promise<void> {
    if (this.changed) this.stopWatcher();
    if (!this.watcher && !this.unavailable && !this.startWatcher()) return Promise.resolve(); // gone already
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wakeUp(), timeoutMs);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  close(): void {
    this.stopWatcher();
    this.wake = undefined;
  }

  /** False when the directory was gone already (released before the watch started: no event will come). */
  private startWatcher(): boolean {
    this.changed = false;
    try {
      // The directory went, or its holder refreshed it (then the waiter waits again), wakes the
      // waiter; the holder's record coming and going inside it does not (it goes just before the directory).
      this.watcher = watch(this.lockPath, { persistent: false }, (_event, name) => {
        if (name === HOLDER_FILE) return;
        this.changed = true;
        this.wakeUp();
      });
      this.watcher.on('error', () => {
        this.changed = true;
        this.wakeUp();
      });
      return true;
    } catch (error) {
      // Gone already; else no watching here (some network file systems, some runtimes).
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      this.unavailable = true;
      return true;
    }
  }

  private stopWatcher(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
