// Keeping the file's lock across a loop of transactions of this process: a lock is
// kept for the next transaction when that one starts before the event loop turns (a
// loop of awaited writes). Every little while the holder looks whether another process
// announced that it waits (lock.ts): if so, it lets the lock go and competes for it
// again; if not, it keeps it, sparing the lock's removal and making.
import { acquireLock, othersWaiting, wakeJitter, type HeldLock, type LockTiming } from './lock/lock.js';

/** How long a kept lock is used before looking again whether others wait for it (milliseconds). */
const LEASE_MS = 20;

export interface TakenLock {
  lock: HeldLock;
  /** When this process last made sure nobody waits for the lock: when it took it, or looked since. */
  checkedAt: number;
  /** Kept from the previous transaction of this process, never let go in between. */
  continued: boolean;
}

export class Lease {
  private lease: TakenLock | undefined;
  /** Transactions of this database in the queue, not yet started: the lease waits for them. */
  queuedTransactions = 0;

  constructor(
    private readonly path: string,
    private readonly timing: LockTiming,
  ) {}

  /**
   * The lock left by the previous transaction while nobody waits for it, else a newly
   * acquired one; with `unneeded`, undefined when that turns true while waiting for the lock.
   */
  async take(unneeded?: () => boolean): Promise<TakenLock | undefined> {
    const lease = this.lease;
    this.lease = undefined;
    if (lease) {
      if (this.mayKeep(lease)) return { ...lease, continued: true };
      lease.lock.release();
      await wakeJitter(); // others waited: compete with them on equal terms
    }
    const lock = unneeded
      ? await acquireLock(this.path, this.timing, unneeded)
      : await acquireLock(this.path, this.timing);
    return lock && { lock, checkedAt: Date.now(), continued: false };
  }

  /**
   * Keeps the lock for the next transaction when it starts before the event loop turns,
   * or while one is queued (it lets the host's macrotasks run first, see queue.ts) and
   * nobody waits for the lock (another process, or another database of this process on
   * the same file, which may be ahead in the queue): else released at that turn.
   */
  offer({ lock, checkedAt }: TakenLock): void {
    const lease = { lock, checkedAt, continued: false };
    this.lease = lease;
    const endAtTurn = () => {
      if (this.lease !== lease) return;
      if (this.queuedTransactions > 0 && this.mayKeep(lease)) setImmediate(endAtTurn);
      else this.drop();
    };
    setImmediate(endAtTurn);
  }

  /**
   * Whether `lease` may be used on: looked at less than LEASE_MS ago, or nobody announced
   * a wait since (it is looked at now; the announcement is taken). A mark that cannot be
   * looked at counts as a wait: the waiter's own attempt reports it.
   */
  private mayKeep(lease: TakenLock): boolean {
    if (Date.now() - lease.checkedAt < LEASE_MS) return true;
    let waiting: boolean;
    try {
      waiting = othersWaiting(lease.lock.lockPath);
    } catch {
      waiting = true;
    }
    if (!waiting) lease.checkedAt = Date.now();
    return !waiting;
  }

  /** Lets the kept lock go, if any. */
  drop(): void {
    this.lease?.lock.release();
    this.lease = undefined;
  }
}
