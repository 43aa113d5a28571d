/**
 * How a venue call failed decides what the caller may do next:
 * - `rate-limited` (429): the venue refused before doing anything; safe to retry after `retryAfterMs`.
 * - `banned` (418): the IP is banned for `retryAfterMs`; stop calling until then.
 * - `rejected` (other 4xx, venue error codes): the venue said no; retrying changes nothing.
 * - `unavailable` (5xx, refused connection): nothing was done; a read may be retried.
 * - `unknown-outcome` (timeout or 5xx after sending a write): the order may or may not
 *   exist; query it before acting again, never resend blindly.
 * - `malformed`: the venue answered something we cannot parse.
 */
export type VenueErrorKind = "rate-limited" | "banned" | "rejected" | "unavailable" | "unknown-outcome" | "malformed";

export class VenueError extends Error {
  constructor(
    readonly venue: string,
    readonly kind: VenueErrorKind,
    message: string,
    readonly details: { status?: number; code?: string | number; retryAfterMs?: number } = {},
  ) {
    super(`${venue}: ${message}`);
    this.name = "VenueError";
  }

  /** Retryable per NautilusTrader's classes; `banned` and `rejected` are not. */
  get retryable(): boolean {
    return this.kind === "rate-limited" || this.kind === "unavailable";
  }
}

/**
 * `Retry-After` is seconds (or an HTTP date); returns milliseconds, or `fallbackMs` when absent, unreadable or
 * zero: calling again at once right after a refusal only invites the next one (KIS sends `Retry-After: 0`).
 */
export function retryAfterMs(header: string | null, fallbackMs: number, now = Date.now()): number {
  if (header === null || header.trim() === "") return fallbackMs;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds > 0) return Math.ceil(seconds * 1000);
  if (seconds === 0) return fallbackMs;
  const date = Date.parse(header);
  return Number.isNaN(date) ? fallbackMs : Math.max(0, date - now);
}
