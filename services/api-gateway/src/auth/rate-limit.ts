import type { Cache } from "@jts/contracts";

export interface RateLimitResult {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
}

/**
 * Fixed-window counter on the cache port, so every gateway replica on one
 * Redis shares the count. The infrastructure issue replaces it with the
 * token bucket Lua script; the interface stays.
 */
export class RateLimiter {
  constructor(
    private readonly cache: Cache,
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  async hit(key: string): Promise<RateLimitResult> {
    const now = Date.now();
    const window = Math.floor(now / this.windowMs);
    const count = await this.cache.increment(`rl:${key}:${window}`, 1, this.windowMs);
    const resetSeconds = Math.max(1, Math.ceil(((window + 1) * this.windowMs - now) / 1000));
    return {
      allowed: count <= this.limit,
      limit: this.limit,
      remaining: Math.max(0, this.limit - count),
      resetSeconds,
    };
  }
}

export function rateLimitHeaders(result: RateLimitResult): Record<string, string> {
  const headers: Record<string, string> = {
    "ratelimit-limit": String(result.limit),
    "ratelimit-remaining": String(result.remaining),
    "ratelimit-reset": String(result.resetSeconds),
  };
  if (!result.allowed) headers["retry-after"] = String(result.resetSeconds);
  return headers;
}
