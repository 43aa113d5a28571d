/**
 * The locks port (Redis, in-memory): a named lease with fencing tokens, for a
 * single active strategy instance and similar "one at a time" jobs. Moves to
 * contracts/src/ports.ts; self-contained until then.
 *
 * A lease can run out while its holder still believes it holds it (a GC
 * pause, a partition), so the lock alone cannot keep two holders from acting.
 * The fencing token closes that gap: it strictly increases every time the
 * lock changes hands, survives expiry and is never reused, so whatever the
 * holder acts on can remember the highest token it has seen and refuse older
 * ones.
 */
export interface LockGrant {
  acquired: boolean;
  /** The holder's fencing token when acquired, else null. */
  token: number | null;
  /** Who holds the lock now: `owner` when acquired, the other holder when not, null if unknown. */
  holder: string | null;
}

export interface Lock {
  /**
   * Takes the lock for `ttlMs` when it is free or expired, with a new, higher
   * token. The current holder asking again keeps its token (the lock did not
   * change hands) and gets a fresh ttl, so a retried acquire is harmless.
   * Owners must be unique per process (host, pid, random suffix).
   */
  acquire(name: string, owner: string, ttlMs: number): Promise<LockGrant>;
  /** Extends the lease to `ttlMs` from now; false unless `owner` holds it with `token` and it has not expired. */
  renew(name: string, owner: string, token: number, ttlMs: number): Promise<boolean>;
  /** Frees the lock; false unless `owner` holds it with `token`. The token counter keeps counting. */
  release(name: string, owner: string, token: number): Promise<boolean>;
  close(): Promise<void>;
}
