import type { BucketSpec, Cache, RateLimiter } from "@jts/contracts";
import { VenueError } from "./errors.ts";
import { credentialTag } from "./signing.ts";
import type { VenueMetrics } from "./venue-metrics.ts";

/**
 * One limit family of a venue ("request weight per IP", "orders per account").
 * `scope` says what the venue counts it by: every replica behind one IP shares
 * an `ip` group; an `account` group is shared by everyone using the same key.
 */
export interface LimitGroup {
  scope: "ip" | "account";
  buckets: readonly BucketSpec[];
}

/** A venue's limits by group name; each endpoint names the groups (and weights) it costs. */
export type VenueLimits = Record<string, LimitGroup>;

/** What one call costs in one group. */
export interface Cost {
  group: string;
  weight?: number;
}

export interface RateGateOptions {
  venue: string;
  limits: VenueLimits;
  /** Identifies the account for `account` groups, e.g. a hash of the API key (never the secret). */
  accountId?: string;
  /** Identifies the egress IP for `ip` groups; replicas behind one NAT share it. Default "default". */
  ipId?: string;
  /**
   * Where a venue-ordered pause (429/418 Retry-After) is shared with the other
   * replicas; without it each replica learns of the pause by its own 429.
   */
  cache?: Cache;
  /** Counts every wait this gate imposes (jts_rate_limit_pauses_total). */
  metrics?: Pick<VenueMetrics, "ratePause">;
  /** Longest single sleep before asking the limiter again. */
  maxSleepMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/**
 * Every venue call passes here first. Each group's buckets live in the shared
 * RateLimiter port (Redis in production), under one key per venue, scope and
 * group, so any number of replicas together stay within the venue's limit; a
 * refused take sleeps for the limiter's retry time and asks again.
 *
 * Groups are taken one at a time (the port takes one weight per call); a call
 * that passes the first and waits on the second has spent a slot it did not
 * use yet, which errs on the safe side.
 */
export class RateGate {
  private pausedUntil = 0;
  private closed = false;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly pauseKey: string;
  readonly waits = { count: 0, ms: 0 };

  constructor(
    private readonly limiter: RateLimiter,
    private readonly options: RateGateOptions,
  ) {
    this.sleep = options.sleep ?? ((ms) => Bun.sleep(ms));
    this.now = options.now ?? Date.now;
    this.pauseKey = `venue-pause:${options.venue}:${options.ipId ?? "default"}`;
  }

  keyOf(group: string): string {
    const spec = this.options.limits[group];
    if (!spec) throw new Error(`${this.options.venue}: unknown limit group ${group}`);
    const owner =
      spec.scope === "ip" ? `ip:${this.options.ipId ?? "default"}` : `acct:${this.options.accountId ?? "none"}`;
    return `venue:${this.options.venue}:${owner}:${group}`;
  }

  /** Waits until every cost fits, then takes it. */
  async acquire(costs: readonly Cost[]): Promise<void> {
    this.checkOpen();
    await this.waitOutPause();
    for (const cost of costs) {
      const spec = this.options.limits[cost.group];
      if (!spec) throw new Error(`${this.options.venue}: unknown limit group ${cost.group}`);
      const key = this.keyOf(cost.group);
      for (let waited = false; ; waited = true) {
        const decision = await this.limiter.take(key, spec.buckets, cost.weight ?? 1);
        if (decision.allowed) break;
        if (decision.retryAfterMs >= Number.MAX_SAFE_INTEGER)
          throw new VenueError(this.options.venue, "rejected", `weight ${cost.weight} exceeds the ${cost.group} limit`);
        // One pause per call and group, however many sleeps it takes to fit.
        if (!waited) this.options.metrics?.ratePause(cost.group);
        const ms = Math.min(decision.retryAfterMs, this.options.maxSleepMs ?? 5_000);
        this.waits.count++;
        this.waits.ms += ms;
        await this.sleep(ms);
        this.checkOpen();
        await this.waitOutPause();
      }
    }
  }

  /** Refuses every call from now on; waiting calls fail at their next wake-up (shutdown, end of a load run). */
  close(): void {
    this.closed = true;
  }

  private checkOpen(): void {
    if (this.closed) throw new VenueError(this.options.venue, "unavailable", "rate gate closed");
  }

  /**
   * The venue said stop (429/418): no call leaves this gate, or any replica
   * sharing the cache, for `ms`. `bucket` names why in the pause metric.
   */
  async pauseFor(ms: number, bucket = "429"): Promise<void> {
    this.options.metrics?.ratePause(bucket);
    const until = this.now() + ms;
    this.pausedUntil = Math.max(this.pausedUntil, until);
    await this.options.cache?.set(this.pauseKey, String(this.pausedUntil), ms + 1000).catch(() => undefined);
  }

  /** Milliseconds of pause left (0 when none). */
  async pauseLeftMs(): Promise<number> {
    const shared = this.options.cache
      ? Number((await this.options.cache.get(this.pauseKey).catch(() => null)) ?? 0)
      : 0;
    if (shared > this.pausedUntil) this.pausedUntil = shared;
    return Math.max(0, this.pausedUntil - this.now());
  }

  private async waitOutPause(): Promise<void> {
    for (;;) {
      const left = await this.pauseLeftMs();
      if (left <= 0) return;
      await this.sleep(Math.min(left, this.options.maxSleepMs ?? 5_000));
    }
  }
}

/**
 * A sliding window for a venue limit "N per W". The venue counts on its clock
 * and at arrival, which can differ from the limiter's by the network delay, so
 * the window is widened by `marginMs` (default 5 % of W, at least 20 ms): two
 * calls the limiter let through one window apart then still arrive at least a
 * window apart unless their delays differ by more than the margin.
 */
export function perWindow(name: string, limit: number, windowMs: number, marginMs?: number): BucketSpec {
  return { name, limit, windowMs: windowMs + (marginMs ?? Math.max(20, Math.round(windowMs * 0.05))) };
}

/**
 * "N per W" as a widened sliding window plus a small token bucket refilled
 * at N/W that lets at most a quarter of N through at once. The window keeps
 * the count; the bucket spreads the calls over the window instead of sending
 * all N in one burst, where one late arrival of the burst and the next
 * window's first calls would land in the same venue window.
 */
export function paced(name: string, limit: number, windowMs: number, marginMs?: number): BucketSpec[] {
  return [
    perWindow(name, limit, windowMs, marginMs),
    { name: `${name}-pace`, capacity: Math.max(1, Math.ceil(limit / 4)), refillPerSecond: (limit * 1000) / windowMs },
  ];
}

/**
 * The gate a broker service puts its venue calls behind: `account` groups are
 * keyed by a tag of the API key (keys never reach Redis; no key tags as
 * "none"), and a venue-ordered pause is shared with the other replicas
 * through the runtime's cache.
 */
export function brokerGate(
  runtime: { limiter: RateLimiter; cache: Cache },
  venue: string,
  limits: VenueLimits,
  apiKey: string,
  metrics?: Pick<VenueMetrics, "ratePause">,
): RateGate {
  return new RateGate(runtime.limiter, {
    venue,
    limits,
    accountId: credentialTag(apiKey || "none"),
    cache: runtime.cache,
    metrics,
  });
}
