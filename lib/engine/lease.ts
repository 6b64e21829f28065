// Keeping the file's lock across a loop of transactions of this process: a lock is
// kept for the next transaction when that one starts before the event loop turns (a
// loop of awaited writes). Every little while the holder looks whether another process
// announced that it waits (lock.ts): if so, it lets the lock go and competes for it
// again; if not, it keeps it, sparing the lock's removal and making.
import { acquireLock, othersWaiting, wakeJitter, type HeldLock, type LockTiming } from './lock/lock.js';

/** How long a kept lock is used before looking whether others wait for it (milliseconds). */
const LEASE_MS = 20;

export interface TakenLock {
  lock: HeldLock;
  acquiredAt: number;
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
   * The lock left by the previous transaction while fresh or while nobody waits for it,
   * else a newly acquired one; with `unneeded`, undefined when that turns true while
   * waiting for the lock.
   */
  async take(unneeded?: () => boolean): Promise<TakenLock | undefined> {
    const lease = this.lease;
    this.lease = undefined;
    if (lease && Date.now() - lease.acquiredAt < LEASE_MS) return { ...lease, continued: true };
    if (lease) {
      if (!this.othersWait(lease.lock)) return { lock: lease.lock, acquiredAt: Date.now(), continued: true };
      lease.lock.release();
      await wakeJitter(); // others waited: compete with them on equal terms
    }
    const lock = unneeded
      ? await acquireLock(this.path, this.timing, unneeded)
      : await acquireLock(this.path, this.timing);
    return lock && { lock, acquiredAt: Date.now(), continued: false };
  }

  /**
   * Keeps the lock for the next transaction when it starts before the event loop turns,
   * or when it is already queued (it lets the host's macrotasks run first, see queue.ts):
   * released at the first turn with none queued. The next transaction's take() decides
   * whether it goes on.
   */
  offer({ lock, acquiredAt }: TakenLock): void {
    const lease = { lock, acquiredAt, continued: false };
    this.lease = lease;
    const endAtTurn = () => {
      if (this.lease !== lease) return;
      if (this.queuedTransactions > 0) setImmediate(endAtTurn);
      else this.drop();
    };
    setImmediate(endAtTurn);
  }

  /** Whether another process announced it waits for `lock` (the announcement is taken); a failure lets the lock go. */
  private othersWait(lock: HeldLock): boolean {
    try {
      return othersWaiting(lock.lockPath);
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  /** Lets the kept lock go, if any. */
  drop(): void {
    this.lease?.lock.release();
    this.lease = undefined;
  }
}
