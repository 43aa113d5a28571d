/**
 * Rate-limit proof: three replicas, each with its own client stack as the
 * service builds it (CreonBroker over CreonBridgeClient, its RateGate on its
 * own RedisRateLimiter connection, the order map in a RedisCache), place
 * orders and ask for quotes as fast as their gates let them against the fake
 * bridge. The bridge's meter counts calls per sliding 15 s: no window may hold
 * more than Creon's 20 trade requests or 60 queries, and the run must use
 * >= 90 % of each.
 *
 *   bun services/brokers/creon/src/limits-proof.ts [--seconds 30] [--processes]
 *
 * Needs REDIS_URL (the real shared limiter); exits non-zero on failure.
 */
import { orderPlacer, type VenueProof, venueProofMain } from "@jts/broker-kit/testing";
import { connectRedis, RedisCache } from "@jts/kit/redis";
import { orderFixture, silentLogger } from "@jts/kit/testing";
import type { CreonSettings } from "./config.ts";
import { CreonBroker } from "./connector.ts";
import { CreonBridgeClient } from "./rest.ts";
import { FakeCreonBridge } from "./testing/fake-creon.ts";
import { TEST_SECRET } from "./testing/harness.ts";

const ACCOUNT = "creon-proof";

export const creonProof: VenueProof = {
  title: "Creon limits",
  name: "creon",
  command: ["bun", import.meta.path],
  limits: [
    { group: "trade", limit: 20, windowMs: 15_000 },
    { group: "query", limit: 60, windowMs: 15_000 },
  ],
  startFake() {
    const fake = new FakeCreonBridge({ secret: TEST_SECRET }).start();
    return { venue: fake, url: fake.url, stop: () => fake.stop() };
  },
  /** Two workers placing orders, three asking for quotes. */
  replica({ index, url, limiter, redisUrl, prefix }) {
    const settings: CreonSettings = {
      bridgeUrl: url,
      bridgeSecret: TEST_SECRET,
      creonAccount: "12345678",
      productCode: "01",
      account: ACCOUNT,
    };
    const cacheRedis = connectRedis(redisUrl, `creon-proof-cache-${index}`);
    const cache = new RedisCache(cacheRedis, prefix);
    const client = new CreonBridgeClient({ baseUrl: url, secret: TEST_SECRET, limiter, cache, logger: silentLogger });
    const broker = new CreonBroker(settings, client, cache, silentLogger);
    const placeOrder = orderPlacer((order) => broker.place(order), {
      ...orderFixture({ account: ACCOUNT, venue: "creon", type: "LIMIT", timeInForce: "DAY" }),
      price: "71000",
      quantity: "1",
    });
    const askQuote = () => client.quote("A005930");
    return {
      workers: [placeOrder, placeOrder, askQuote, askQuote, askQuote],
      stop: () => client.close(),
      close: async () => {
        await cacheRedis.quit();
      },
    };
  },
};

if (import.meta.main) await venueProofMain(creonProof);
