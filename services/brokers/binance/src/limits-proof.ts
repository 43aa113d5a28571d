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
import { type VenueProof, venueProofMain } from "@jts/broker-kit/testing";
import { BINANCE_LIMIT_VALUES, binanceLimits } from "./constants.ts";
import { BinanceRest } from "./rest.ts";
import { FakeBinance } from "./testing/fake-binance.ts";

export const binanceProof: VenueProof = {
  title: "Binance limits",
  name: "binance",
  command: ["bun", import.meta.path],
  limits: [
    { group: "weight", limit: BINANCE_LIMIT_VALUES.weightPerMinute, windowMs: 60_000 },
    { group: "orders", limit: BINANCE_LIMIT_VALUES.ordersPer10s, windowMs: 10_000 },
  ],
  startFake: () => new FakeBinance().start(),
  /** Two workers placing orders, two reading the account. */
  replica({ index, url, limiter }) {
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
    return { workers: [placeOrder, placeOrder, readAccount, readAccount], stop: () => gate.close() };
  },
};

if (import.meta.main) await venueProofMain(binanceProof);
