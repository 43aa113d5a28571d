import type { BucketSpec, RateDecision, RateLimiter } from "@jts/contracts";

interface Bucket {
  tokens: number;
  at: number;
}

/** In-process token buckets; the same arithmetic as the Redis script. */
export class MemoryRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number = Date.now) {}

  async take(key: string, specs: readonly BucketSpec[], weight = 1): Promise<RateDecision> {
    const now = this.now();
    const levels = specs.map((spec) => {
      const id = `${key}:${spec.name}`;
      const bucket = this.buckets.get(id);
      const refilled = bucket ? bucket.tokens + ((now - bucket.at) / 1000) * spec.refillPerSecond : spec.capacity;
      return { id, spec, tokens: Math.min(spec.capacity, refilled) };
    });
    const retryAfterMs = Math.max(0, ...levels.map(({ spec, tokens }) => waitMs(spec, tokens, weight)));
    const allowed = retryAfterMs === 0;
    for (const level of levels) {
      if (allowed) level.tokens -= weight;
      this.buckets.set(level.id, { tokens: level.tokens, at: now });
    }
    const tightest = levels.reduce((a, b) => (b.tokens / b.spec.capacity < a.tokens / a.spec.capacity ? b : a));
    return {
      allowed,
      remaining: Math.max(0, Math.floor(tightest.tokens)),
      limit: tightest.spec.capacity,
      retryAfterMs,
    };
  }

  async close(): Promise<void> {
    this.buckets.clear();
  }
}

function waitMs(spec: BucketSpec, tokens: number, weight: number): number {
  if (tokens >= weight) return 0;
  if (weight > spec.capacity || spec.refillPerSecond <= 0) return Number.MAX_SAFE_INTEGER;
  return Math.ceil(((weight - tokens) / spec.refillPerSecond) * 1000);
}
