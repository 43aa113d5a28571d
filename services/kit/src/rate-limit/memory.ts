import { type BucketSpec, isWindow, type RateDecision, type RateLimiter } from "@jts/contracts";

/** A bucket's tokens at `at`; at `fullAt` it is full again, the same as no state (Infinity: never refills). */
interface BucketState {
  tokens: number;
  at: number;
  fullAt: number;
}

/** A window's calls in time order from `head`; from `idleAt` none is in the window, the same as no state. */
interface WindowLog {
  stamps: number[];
  head: number;
  idleAt: number;
}

/** Keys held before the first sweep of idle ones; then twice the keys a sweep left. */
const SWEEP_MIN = 1024;

interface Level {
  capacity: number;
  /** Milliseconds until `weight` would fit. */
  waitMs: number;
  commit(allowed: boolean): number;
}

/** In-process token buckets and sliding windows; the same arithmetic as the Redis script. */
export class MemoryRateLimiter implements RateLimiter {
  /**
   * key -> spec name -> state. Two levels, not one "key:name" map: a caller's key (the same string
   * every call) and a spec's name each hash once, where a joined id was a new string to build and hash
   * on every take (risk takes two per order).
   */
  private readonly buckets = new Map<string, Map<string, BucketState>>();
  private readonly windows = new Map<string, Map<string, WindowLog>>();
  /**
   * Idle states are dropped, as Redis lets their keys expire, once the maps hold more keys than this:
   * every one-off key (the gateway's `refresh:<hash>` of any token sent) would stay for good otherwise.
   * The doubling keeps a sweep's cost amortized O(1) per key taken.
   */
  private sweepAt = SWEEP_MIN;

  constructor(private readonly now: () => number = Date.now) {}

  /** How many keys hold state (tests). */
  get keyCount(): number {
    return new Set([...this.buckets.keys(), ...this.windows.keys()]).size;
  }

  async take(key: string, specs: readonly BucketSpec[], weight = 1): Promise<RateDecision> {
    const now = this.now();
    if (this.buckets.size + this.windows.size > this.sweepAt) this.sweep(now);
    const levels = specs.map((spec) =>
      isWindow(spec)
        ? this.window(key, spec.name, spec.limit, spec.windowMs, now, weight)
        : this.bucket(key, spec.name, spec.capacity, spec.refillPerSecond, now, weight),
    );
    // Math.max(0, ...waits) without spreading a mapped array into a call.
    let retryAfterMs = 0;
    for (const level of levels) retryAfterMs = Math.max(retryAfterMs, level.waitMs);
    const allowed = retryAfterMs === 0;
    let tightest = { share: Number.POSITIVE_INFINITY, remaining: 0, limit: 0 };
    for (const level of levels) {
      const remaining = level.commit(allowed);
      if (remaining / level.capacity < tightest.share)
        tightest = { share: remaining / level.capacity, remaining, limit: level.capacity };
    }
    return { allowed, remaining: Math.max(0, Math.floor(tightest.remaining)), limit: tightest.limit, retryAfterMs };
  }

  private bucket(key: string, name: string, capacity: number, rate: number, now: number, weight: number): Level {
    const states = namedStates(this.buckets, key);
    const state = states.get(name);
    const tokens = Math.min(capacity, state ? state.tokens + ((now - state.at) / 1000) * rate : capacity);
    const waitMs =
      tokens >= weight
        ? 0
        : weight > capacity || rate <= 0
          ? Number.MAX_SAFE_INTEGER
          : Math.ceil(((weight - tokens) / rate) * 1000);
    return {
      capacity,
      waitMs,
      commit: (allowed) => {
        const left = allowed ? tokens - weight : tokens;
        const fullAt = left >= capacity ? now : rate > 0 ? now + ((capacity - left) / rate) * 1000 : Infinity;
        states.set(name, { tokens: left, at: now, fullAt });
        return left;
      },
    };
  }

  private window(key: string, name: string, limit: number, windowMs: number, now: number, weight: number): Level {
    const logs = namedStates(this.windows, key);
    let log = logs.get(name);
    if (!log) {
      log = { stamps: [], head: 0, idleAt: now };
      logs.set(name, log);
    }
    // Calls arrive in time order: expired ones are always at the front, so pruning is amortized O(1).
    while (log.head < log.stamps.length && (log.stamps[log.head] as number) <= now - windowMs) log.head++;
    if (log.head > 1024 && log.head * 2 > log.stamps.length) {
      log.stamps = log.stamps.slice(log.head);
      log.head = 0;
    }
    const stamps = log.stamps;
    const head = log.head;
    const kept = log;
    const free = limit - (stamps.length - head);
    let waitMs = 0;
    if (free < weight) {
      // The (weight - free)-th oldest call must leave the window first.
      const leaving = stamps[head + weight - free - 1];
      waitMs =
        weight > limit || leaving === undefined ? Number.MAX_SAFE_INTEGER : Math.max(1, leaving + windowMs - now);
    }
    return {
      capacity: limit,
      waitMs,
      commit: (allowed) => {
        if (allowed) {
          for (let i = 0; i < weight; i++) stamps.push(now);
          kept.idleAt = now + windowMs;
        }
        return allowed ? free - weight : free;
      },
    };
  }

  private sweep(now: number): void {
    dropIdle(this.buckets, (state) => state.fullAt <= now);
    dropIdle(this.windows, (log) => log.idleAt <= now);
    this.sweepAt = Math.max(SWEEP_MIN, 2 * (this.buckets.size + this.windows.size));
  }

  async close(): Promise<void> {
    this.buckets.clear();
    this.windows.clear();
  }
}

/** The states kept under `key`, by spec name (made on first use). */
function namedStates<T>(byKey: Map<string, Map<string, T>>, key: string): Map<string, T> {
  let states = byKey.get(key);
  if (!states) {
    states = new Map();
    byKey.set(key, states);
  }
  return states;
}

/** Deletes the states `idle` picks, and a key left with none. */
function dropIdle<T>(byKey: Map<string, Map<string, T>>, idle: (state: T) => boolean): void {
  for (const [key, states] of byKey) {
    for (const [name, state] of states) if (idle(state)) states.delete(name);
    if (states.size === 0) byKey.delete(key);
  }
}
