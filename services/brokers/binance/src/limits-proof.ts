/**
 * Rate-limit proof: three replicas (each its own REST client and its own
 * RedisRateLimiter connection, one shared Redis) place orders and read the
 * account as fast as their gates let them, against the fake Binance. The
 * fake measures weight and order counts in every sliding window: no window
 * may pass the venue's limit, and each limit must be used to >= 90 %.
 *
 *   bun services/brokers/binance/src/limits-proof.ts [--seconds 30] [--processes]
 *
 * `--processes` runs each replica in its own process. Needs REDIS_URL (the
 * real shared limiter); exits non-zero on failure.
 */
import { RateGate } from "@jts/broker-kit";
import {
  formatProof,
  type LimitsProofResult,
  type ProofReplica,
  processReplica,
  runLimitsProof,
  runReplicaProcess,
} from "@jts/broker-kit/testing";
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
  /** Run replicas as child processes with these Redis settings instead of in this process. */
  processes?: { redisUrl: string; prefix: string };
}

/** One replica's client: two workers placing orders, two reading the account. */
function replicaWorkers(index: number, url: string, limiter: RateLimiter) {
  const gate = new RateGate(limiter, {
    venue: "binance",
    limits: binanceLimits(),
    accountId: "proof",
    maxSleepMs: 100,
  });
  const fakeKeys = new FakeBinance();
  const rest = new BinanceRest({
    baseUrl: url,
    apiKey: fakeKeys.apiKey,
    apiSecret: fakeKeys.apiSecret,
    gate,
    clock: { now: () => Date.now() },
  });
  let seq = 0;
  const placeOrder = () =>
    rest.newOrder({
      symbol: "BTCUSDT",
      side: "BUY",
      type: "LIMIT",
      timeInForce: "GTC",
      quantity: "0.001",
      price: "100",
      newClientOrderId: `proof-${index}-${process.pid}-${seq++}`,
    });
  const readAccount = () => rest.account();
  return { gate, workers: [placeOrder, placeOrder, readAccount, readAccount] };
}

export async function proveBinanceLimits(options: BinanceProofOptions): Promise<LimitsProofResult> {
  const fake = new FakeBinance().start();
  const startAt = Date.now() + 2_000;
  try {
    return await runLimitsProof({
      venue: fake.venue,
      replicas: options.replicas ?? 3,
      durationMs: options.durationMs,
      limits: [
        { group: "weight", limit: BINANCE_LIMIT_VALUES.weightPerMinute, windowMs: 60_000 },
        { group: "orders", limit: BINANCE_LIMIT_VALUES.ordersPer10s, windowMs: 10_000 },
      ],
      createReplica: async (index): Promise<ProofReplica> => {
        if (options.processes) {
          const { redisUrl, prefix } = options.processes;
          return processReplica(
            [
              "bun",
              import.meta.path,
              "--replica",
              String(index),
              "--url",
              fake.url,
              "--redis",
              redisUrl,
              "--prefix",
              prefix,
            ],
            startAt,
            options.durationMs,
          );
        }
        const limiter = options.createLimiter(index);
        const { gate, workers } = replicaWorkers(index, fake.url, limiter);
        return { workers, stop: () => gate.close(), close: () => limiter.close() };
      },
    });
  } finally {
    await fake.stop();
  }
}

if (import.meta.main) {
  const argv = process.argv;
  const flag = (name: string) => argv[argv.indexOf(name) + 1] ?? "";
  if (argv.includes("--replica")) {
    // A child of `--processes`: one replica with its own Redis connection.
    const limiter = new RedisRateLimiter(
      connectRedis(flag("--redis"), `binance-proof-${flag("--replica")}`),
      flag("--prefix"),
    );
    const { gate, workers } = replicaWorkers(Number(flag("--replica")), flag("--url"), limiter);
    await runReplicaProcess(argv, workers, () => gate.close());
    await limiter.close();
    process.exit(0);
  }
  const url = process.env.REDIS_URL;
  if (!url) {
    console.error('REDIS_URL is not set: the proof needs the shared Redis limiter (eval "$(host/servers/all env)")');
    process.exit(2);
  }
  const seconds = argv.includes("--seconds") ? Number(flag("--seconds")) : 30;
  const prefix = `jts:proof:${Date.now()}:`;
  const processes = argv.includes("--processes");
  const result = await proveBinanceLimits({
    durationMs: seconds * 1000,
    createLimiter: (i) => new RedisRateLimiter(connectRedis(url, `binance-proof-${i}`), prefix),
    processes: processes ? { redisUrl: url, prefix } : undefined,
  });
  console.log(
    formatProof(`Binance limits, 3 replicas ${processes ? "(3 processes)" : "(one process)"} over one Redis`, result),
  );
  process.exit(result.ok ? 0 : 1);
}
