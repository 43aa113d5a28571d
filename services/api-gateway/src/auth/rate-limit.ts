import type { RateDecision, SlidingWindowSpec } from "@jts/contracts";

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
