// Deleting a database for good: the file and everything beside it that belongs to
// it (the write-ahead log, the native version's -shm/-journal, temporary images,
// a waiting writer's mark), under its lock
// so no writer is publishing at that moment. Works on files too damaged to open.
import { existsSync, rmSync } from 'node:fs';
import { acquireLock, waitingMarkOf, type LockTiming } from './lock.js';
import { temporariesOf } from './publish.js';

export async function removeDatabaseFiles(filePath: string, timing: LockTiming): Promise<string[]> {
  const lock = await acquireLock(filePath, timing);
  try {
    const sideFiles = ['-wal', '-shm', '-journal'].map((suffix) => filePath + suffix);
    const present = [filePath, ...sideFiles].filter((path) => existsSync(path));
    const removed = [...present, ...temporariesOf(filePath).map((temporary) => temporary.path)];
    for (const path of removed) rmSync(path, { force: true });
    rmSync(waitingMarkOf(lock.lockPath), { recursive: true, force: true });
    return removed;
  } finally {
    lock.release(); // removes the lock directory too
  }
}
