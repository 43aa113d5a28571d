import type { Lock } from "@jts/contracts";
import { badRequest } from "../errors.ts";

export type LeadershipLoss = "taken" | "expired";

export interface LeadershipOptions {
  /** Lease length; a crashed leader is replaced within about this long. */
  ttlMs: number;
  /** How often the leader renews. Default ttlMs / 3, so two renewals may fail before the lease ends. */
  renewEveryMs?: number;
  /** How often a standby tries to take over. Default renewEveryMs. */
  retryEveryMs?: number;
  /** This owner now leads with `token`: start acting, and send the token with every command. */
  onAcquired?: (token: number) => void;
  /**
   * This owner no longer leads: stop acting at once. `taken`: the lock said no
   * to a renewal. `expired`: no renewal got through (lock store unreachable)
   * before the lease ran out by the local clock. The standby loop goes on, so
   * leadership may come back, with `onAcquired`.
   */
  onLost?: (token: number, reason: LeadershipLoss) => void;
  /** A lock call failed (or a callback threw); the loop carries on. */
  onError?: (error: unknown) => void;
}

export interface Leadership {
  /**
   * The fencing token while this owner leads and its lease has not run out by
   * the local clock; null otherwise. Read it before each action rather than
   * caching it: after a stall (GC pause, blocked event loop) it is already
   * null even if no timer has fired yet.
   */
  readonly token: number | null;
  /** Stops renewing and retrying and releases the lock if held (no `onLost`). */
  stop(): Promise<void>;
}

/**
 * Keeps `owner` leading `name` for as long as it can, in the background: the
 * leader renews, a standby retries, and a lost lease is reported. Resolves
 * after the first attempt, so `token` already says whether this owner leads.
 *
 * The lease can end while a command is in flight, so a lease alone cannot
 * guarantee a single actor; whatever receives the commands should keep the
 * highest token it has seen per `name` and refuse lower ones.
 */
export async function holdLeadership(
  lock: Lock,
  name: string,
  owner: string,
  options: LeadershipOptions,
): Promise<Leadership> {
  const { ttlMs } = options;
  const renewEveryMs = options.renewEveryMs ?? Math.floor(ttlMs / 3);
  const retryEveryMs = options.retryEveryMs ?? renewEveryMs;
  if (!(renewEveryMs > 0 && renewEveryMs < ttlMs && retryEveryMs > 0)) {
    throw badRequest(`leadership of ${name}: renewEveryMs and retryEveryMs must be positive and renew within ttlMs`);
  }

  // validUntil counts from before the request was sent, so the local view of
  // the lease ends no later than the lock store's.
  let lease: { token: number; validUntil: number } | null = null;
  let stopped = false;
  let loopTimer: ReturnType<typeof setTimeout> | undefined;
  let expiryTimer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> = Promise.resolve();

  const report = (callback: () => void) => {
    if (stopped) return;
    try {
      callback();
    } catch (error) {
      options.onError?.(error);
    }
  };

  const lose = (reason: LeadershipLoss) => {
    if (!lease) return;
    const { token } = lease;
    lease = null;
    clearTimeout(expiryTimer);
    report(() => options.onLost?.(token, reason));
  };

  const hold = (token: number, sentAt: number) => {
    const fresh = lease?.token !== token;
    lease = { token, validUntil: sentAt + ttlMs };
    clearTimeout(expiryTimer);
    expiryTimer = setTimeout(() => lose("expired"), Math.max(0, lease.validUntil - Date.now()));
    if (fresh) report(() => options.onAcquired?.(token));
  };

  const attempt = async () => {
    const sentAt = Date.now();
    try {
      if (lease) {
        const { token } = lease;
        const renewed = await lock.renew(name, owner, token, ttlMs);
        // Lost by the local clock while the call was out: the next attempt re-acquires.
        if (lease?.token !== token) return;
        if (renewed) hold(token, sentAt);
        else lose("taken");
      } else {
        const grant = await lock.acquire(name, owner, ttlMs);
        if (grant.acquired && grant.token !== null) hold(grant.token, sentAt);
      }
    } catch (error) {
      options.onError?.(error);
    }
  };

  const loop = () => {
    running = attempt().then(() => {
      if (!stopped) loopTimer = setTimeout(loop, lease ? renewEveryMs : retryEveryMs);
    });
  };

  loop();
  await running;

  return {
    get token() {
      return lease && Date.now() < lease.validUntil ? lease.token : null;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(loopTimer);
      await running;
      clearTimeout(expiryTimer);
      const held = lease;
      lease = null;
      if (held) await lock.release(name, owner, held.token).catch((error) => options.onError?.(error));
    },
  };
}
