// The wall clock stopped for a while, so a lock kept for the next transaction (20 ms
// at most) stays kept however busy the machine is.

/** Runs `body` with Date.now() stopped at the moment of the call. */
export async function withClockStopped<T>(body: () => Promise<T>): Promise<T> {
  const realNow = Date.now;
  const stoppedAt = realNow();
  Date.now = () => stoppedAt;
  try {
    return await body();
  } finally {
    Date.now = realNow;
  }
}
