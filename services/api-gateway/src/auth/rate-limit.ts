import type { RateDecision, RateLimiter, SlidingWindowSpec } from "@jts/contracts";
import { AppError } from "@jts/kit";

/** "limit requests per windowMs", exactly: a sliding window, so no 60-second span ever holds more. */
export function bucketFor(name: string, limit: number, windowMs: number): SlidingWindowSpec {
  return { name, limit, windowMs };
}

/** The IETF RateLimit-* fields, and Retry-After on refusal. */
export function rateLimitHeaders(decision: RateDecision, window: SlidingWindowSpec): Record<string, string> {
  // Allowed: the window's length bounds when the oldest counted call leaves it.
  const reset = decision.allowed ? Math.ceil(window.windowMs / 1000) : Math.ceil(decision.retryAfterMs / 1000);
  const headers: Record<string, string> = {
    "ratelimit-limit": String(decision.limit),
    "ratelimit-remaining": String(decision.remaining),
    "ratelimit-reset": String(Math.max(1, reset)),
  };
  if (!decision.allowed) headers["retry-after"] = String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
  return headers;
}

/** Sets the RateLimit headers on every answer. */
type HeaderSink = { headers: Record<string, string | number> };

/**
 * Takes one call from `key`'s bucket, setting the RateLimit headers; a refused
 * call throws RATE_LIMITED (429) naming the wait.
 */
export function rateLimiter(limiter: RateLimiter) {
  return async (key: string, bucket: SlidingWindowSpec, set: HeaderSink) => {
    const decision = await limiter.take(key, [bucket]);
    const headers = rateLimitHeaders(decision, bucket);
    Object.assign(set.headers, headers);
    if (!decision.allowed) {
      throw new AppError(
        "RATE_LIMITED",
        `rate limit of ${decision.limit} requests exceeded; retry in ${headers["retry-after"]} s`,
      );
    }
  };
}

export type RateLimit = ReturnType<typeof rateLimiter>;
