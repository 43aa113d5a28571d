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
import { type VenueProof, venueProofMain } from "@jts/broker-kit/testing";
import { UPBIT_LIMIT_VALUES, upbitLimits } from "./constants.ts";
import { UpbitRest } from "./rest.ts";
import { FakeUpbit } from "./testing/fake-upbit.ts";

export const upbitProof: VenueProof = {
  title: "Upbit limits",
  name: "upbit",
  command: ["bun", import.meta.path],
  limits: [
    { group: "order", limit: UPBIT_LIMIT_VALUES.ordersPerSecond, windowMs: 1000 },
    { group: "default", limit: UPBIT_LIMIT_VALUES.exchangePerSecond, windowMs: 1000 },
    { group: "candle", limit: UPBIT_LIMIT_VALUES.quotationPerSecond, windowMs: 1000 },
    { group: "order-cancel-all", limit: UPBIT_LIMIT_VALUES.cancelAllPer2s, windowMs: 2000 },
  ],
  startFake: () => new FakeUpbit().start(),
  /** Workers for every group, enough to saturate each. */
  replica({ index, url, limiter }) {
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
      workers: [placeOrder, placeOrder, readAccounts, readAccounts, readAccounts, loadCandles, loadCandles, cancelAll],
      stop: () => gate.close(),
    };
  },
};

if (import.meta.main) await venueProofMain(upbitProof);
