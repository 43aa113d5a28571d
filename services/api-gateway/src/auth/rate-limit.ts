import type { BucketSpec, RateDecision } from "@jts/contracts";

/** "limit requests per windowMs" as a token bucket: bursts up to the limit, refilled evenly over the window. */
export function bucketFor(name: string, limit: number, windowMs: number): BucketSpec {
  return { name, capacity: limit, refillPerSecond: limit / (windowMs / 1000) };
}

/** The IETF RateLimit-* fields, and Retry-After on refusal. */
export function rateLimitHeaders(decision: RateDecision, bucket: BucketSpec): Record<string, string> {
  const secondsToFull = Math.ceil((bucket.capacity - decision.remaining) / bucket.refillPerSecond);
  const reset = decision.allowed ? secondsToFull : Math.ceil(decision.retryAfterMs / 1000);
  const headers: Record<string, string> = {
    "ratelimit-limit": String(decision.limit),
    "ratelimit-remaining": String(decision.remaining),
    "ratelimit-reset": String(Math.max(0, reset)),
  };
  if (!decision.allowed) headers["retry-after"] = String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
  return headers;
}
