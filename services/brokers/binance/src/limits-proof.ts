/**
 * Rate-limit proof: three replicas (each its own REST client and its own
 * RedisRateLimiter connection, one shared Redis) place orders and read the
 * account as fast as their gates let them, against the fake Binance. The
 * fake measures weight and order counts in every sliding window: no window
 * may pass the venue's limit, and each limit must be used to >= 90 %.
 *
 *   bun services/brokers/binance/src/limits-proof.ts [--seconds 30]
 *
 * Needs REDIS_URL (the real shared limiter); exits non-zero on failure.
 */
import { RateGate } from "@jts/broker-kit";
import { formatProof, type LimitsProofResult, runLimitsProof } from "@jts/broker-kit/testing";
import type { RateLimiter } from "@jts/contracts";
import { connectRedis, RedisRateLimiter } from "@jts/kit/redis";
import { BINANCE_LIMIT_VALUES, binanceLimits } from "./constants.ts";
import { BinanceRest } from "./rest.ts";
import { FakeBinance } from "./testing/fake-binance.ts";

export interface BinanceProofOptions {
  durationMs: number;
  /** One limiter per replica, all over the same store. */
  createLimiter: (replica: number) => RateLimiter;
  replicas?: number;
}

export async function proveBinanceLimits(options: BinanceProofOptions): Promise<LimitsProofResult> {
  const fake = new FakeBinance().start();
  let orderSeq = 0;
  try {
    return await runLimitsProof({
      venue: fake.venue,
      replicas: options.replicas ?? 3,
      durationMs: options.durationMs,
      limits: [
        { group: "weight", limit: BINANCE_LIMIT_VALUES.weightPerMinute, windowMs: 60_000 },
        { group: "orders", limit: BINANCE_LIMIT_VALUES.ordersPer10s, windowMs: 10_000 },
      ],
      createReplica: async (index) => {
        const limiter = options.createLimiter(index);
        const gate = new RateGate(limiter, {
          venue: "binance",
          limits: binanceLimits(),
          accountId: "proof",
          maxSleepMs: 100,
        });
        const rest = new BinanceRest({
          baseUrl: fake.url,
          apiKey: fake.apiKey,
          apiSecret: fake.apiSecret,
          gate,
          clock: { now: () => fake.now() },
        });
        const placeOrder = () =>
          rest.newOrder({
            symbol: "BTCUSDT",
            side: "BUY",
            type: "LIMIT",
            timeInForce: "GTC",
            quantity: "0.001",
            price: "100",
            newClientOrderId: `proof-${index}-${orderSeq++}`,
          });
        const readAccount = () => rest.account();
        return {
          workers: [placeOrder, placeOrder, readAccount, readAccount],
          stop: () => gate.close(),
          close: () => limiter.close(),
        };
      },
    });
  } finally {
    await fake.stop();
  }
}

if (import.meta.main) {
  const url = process.env.REDIS_URL;
  if (!url) {
    console.error('REDIS_URL is not set: the proof needs the shared Redis limiter (eval "$(host/servers/all env)")');
    process.exit(2);
  }
  const at = process.argv.indexOf("--seconds");
  const seconds = at > 0 ? Number(process.argv[at + 1]) : 30;
  const prefix = `jts:proof:${Date.now()}:`;
  const result = await proveBinanceLimits({
    durationMs: seconds * 1000,
    createLimiter: (i) => new RedisRateLimiter(connectRedis(url, `binance-proof-${i}`), prefix),
  });
  console.log(formatProof("Binance limits, 3 replicas over one Redis", result));
  process.exit(result.ok ? 0 : 1);
}
