/**
 * Binance spot limits (../shared/VENUES.md) and the token buckets that keep
 * several replicas under them. A bucket of capacity C refilled at r per second
 * lets at most C + r * W through in any window of W seconds, so C + r * W
 * stays a little under the venue's limit L (room for a grant's answer to
 * arrive a few ms late) while r * W stays above 95% of L.
 */
export const LIMITS = {
  /** REQUEST_WEIGHT 6000 per minute: at most 240 + 95 * 60 = 5940 in any 60 s. */
  weight: { venueLimit: 6000, windowMs: 60_000, capacity: 240, refillPerSecond: 95 },
  /** Orders 100 per 10 s: at most 4 + 9.5 * 10 = 99 in any 10 s. */
  orders: { venueLimit: 100, windowMs: 10_000, capacity: 4, refillPerSecond: 9.5 },
} as const;
