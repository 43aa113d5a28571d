/**
 * Rate-limit proof: three replicas (each its own REST client and its own
 * RedisRateLimiter connection, one shared Redis) place orders, read
 * accounts, load candles and cancel everything as fast as their gates let
 * them, against the fake Upbit. The fake measures every group in sliding
 * windows: no window may pass the limit, and each limit must be used >= 90 %.
 *
 *   bun services/brokers/upbit/src/limits-proof.ts [--seconds 30]
 *
 * Needs REDIS_URL (the real shared limiter); exits non-zero on failure.
 */
import { RateGate } from "@jts/broker-kit";
import { formatProof, type LimitsProofResult, runLimitsProof } from "@jts/broker-kit/testing";
import type { RateLimiter } from "@jts/contracts";
import { connectRedis, RedisRateLimiter } from "@jts/kit/redis";
import { UPBIT_LIMIT_VALUES, upbitLimits } from "./constants.ts";
import { UpbitRest } from "./rest.ts";
import { FakeUpbit } from "./testing/fake-upbit.ts";

export interface UpbitProofOptions {
  durationMs: number;
  createLimiter: (replica: number) => RateLimiter;
  replicas?: number;
}

export async function proveUpbitLimits(options: UpbitProofOptions): Promise<LimitsProofResult> {
  const fake = new FakeUpbit().start();
  let seq = 0;
  try {
    return await runLimitsProof({
      venue: fake.venue,
      replicas: options.replicas ?? 3,
      durationMs: options.durationMs,
      limits: [
        { group: "order", limit: UPBIT_LIMIT_VALUES.ordersPerSecond, windowMs: 1000 },
        { group: "default", limit: UPBIT_LIMIT_VALUES.exchangePerSecond, windowMs: 1000 },
        { group: "candle", limit: UPBIT_LIMIT_VALUES.quotationPerSecond, windowMs: 1000 },
        { group: "order-cancel-all", limit: UPBIT_LIMIT_VALUES.cancelAllPer2s, windowMs: 2000 },
      ],
      createReplica: async (index) => {
        const limiter = options.createLimiter(index);
        const gate = new RateGate(limiter, {
          venue: "upbit",
          limits: upbitLimits(),
          accountId: "proof",
          maxSleepMs: 100,
        });
        const rest = new UpbitRest({ baseUrl: fake.url, accessKey: fake.accessKey, secretKey: fake.secretKey, gate });
        const placeOrder = () =>
          rest.placeOrder({
            market: "KRW-BTC",
            side: "bid",
            volume: "0.001",
            price: "50000000",
            ord_type: "limit",
            identifier: `proof-${index}-${seq++}`,
          });
        const readAccounts = () => rest.accounts();
        const loadCandles = () => rest.candles("KRW-BTC", 1, new Date().toISOString().slice(0, 19), 10);
        const cancelAll = () => rest.cancelAll();
        return {
          workers: [
            placeOrder,
            placeOrder,
            readAccounts,
            readAccounts,
            readAccounts,
            loadCandles,
            loadCandles,
            cancelAll,
          ],
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
  const result = await proveUpbitLimits({
    durationMs: seconds * 1000,
    createLimiter: (i) => new RedisRateLimiter(connectRedis(url, `upbit-proof-${i}`), prefix),
  });
  console.log(formatProof("Upbit limits, 3 replicas over one Redis", result));
  process.exit(result.ok ? 0 : 1);
}
