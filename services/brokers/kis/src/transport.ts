import type { BucketSpec, RateLimiter } from "@jts/contracts";

/**
 * The two seams the shared connector kit (services/brokers/kit, coming from
 * the venue-crypto branch) will fill: how a request goes out, and how a call
 * waits for its turn in the shared rate limiter. Kept this small on purpose
 * so the kit's versions drop in without touching the KIS code around them.
 */
export type Fetcher = (request: Request) => Promise<Response>;
export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => Bun.sleep(ms);

/** Waits until the limiter lets one call through; every replica sharing the limiter's store shares the budget. */
export async function admit(
  limiter: RateLimiter,
  key: string,
  buckets: readonly BucketSpec[],
  sleep: Sleep = realSleep,
): Promise<void> {
  for (;;) {
    const decision = await limiter.take(key, buckets);
    if (decision.allowed) return;
    await sleep(Math.min(decision.retryAfterMs, 1000));
  }
}

/** Short, stable, non-reversible tag of a credential for key names and logs. */
export function credentialTag(secretish: string): string {
  return new Bun.CryptoHasher("sha256").update(secretish).digest("hex").slice(0, 12);
}
