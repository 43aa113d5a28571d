/**
 * Rate-limit proof: three replicas (each its own REST client and its own
 * RedisRateLimiter connection, one shared Redis) place orders, read
 * accounts, load candles and cancel everything as fast as their gates let
 * them, against the fake Upbit. The fake measures every group in sliding
 * windows: no window may pass the limit, and each limit must be used >= 90 %.
 *
 *   bun services/brokers/upbit/src/limits-proof.ts [--seconds 30] [--processes]
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
import { UPBIT_LIMIT_VALUES, upbitLimits } from "./constants.ts";
import { UpbitRest } from "./rest.ts";
import { FakeUpbit } from "./testing/fake-upbit.ts";

export interface UpbitProofOptions {
  durationMs: number;
  createLimiter: (replica: number) => RateLimiter;
  replicas?: number;
  /** Run replicas as child processes with these Redis settings instead of in this process. */
  processes?: { redisUrl: string; prefix: string };
}

/** One replica's client: workers for every group, enough to saturate each. */
function replicaWorkers(index: number, url: string, limiter: RateLimiter) {
  const gate = new RateGate(limiter, { venue: "upbit", limits: upbitLimits(), accountId: "proof", maxSleepMs: 100 });
  const keys = new FakeUpbit();
  const rest = new UpbitRest({ baseUrl: url, accessKey: keys.accessKey, secretKey: keys.secretKey, gate });
  let seq = 0;
  const placeOrder = () =>
    rest.placeOrder({
      market: "KRW-BTC",
      side: "bid",
      volume: "0.001",
      price: "50000000",
      ord_type: "limit",
      identifier: `proof-${index}-${process.pid}-${seq++}`,
    });
  const readAccounts = () => rest.accounts();
  const loadCandles = () => rest.candles("KRW-BTC", 1, `${new Date().toISOString().slice(0, 19)}Z`, 10);
  const cancelAll = () => rest.cancelAll();
  return {
    gate,
    workers: [placeOrder, placeOrder, readAccounts, readAccounts, readAccounts, loadCandles, loadCandles, cancelAll],
  };
}

export async function proveUpbitLimits(options: UpbitProofOptions): Promise<LimitsProofResult> {
  const fake = new FakeUpbit().start();
  const startAt = Date.now() + 2_000;
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
      connectRedis(flag("--redis"), `upbit-proof-${flag("--replica")}`),
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
  const result = await proveUpbitLimits({
    durationMs: seconds * 1000,
    createLimiter: (i) => new RedisRateLimiter(connectRedis(url, `upbit-proof-${i}`), prefix),
    processes: processes ? { redisUrl: url, prefix } : undefined,
  });
  console.log(
    formatProof(`Upbit limits, 3 replicas ${processes ? "(3 processes)" : "(one process)"} over one Redis`, result),
  );
  process.exit(result.ok ? 0 : 1);
}
