/**
 * Rate-limit proof: three replicas, each with its own KIS client stack as the
 * service builds it (KisBroker over KisRest, kisHttp's RateGate on its own
 * RedisRateLimiter connection, the token and order map in a RedisCache), place
 * cash orders as fast as their gates let them against the fake KIS. The
 * fake's meter counts REST calls per sliding second: no second may hold more
 * than KIS's limit (20 live, 2 paper), and the run must use >= 90 % of it.
 *
 *   bun services/brokers/kis/src/limits-proof.ts [--env live|paper] [--seconds 30] [--processes]
 *
 * Needs REDIS_URL (the real shared limiter); exits non-zero on failure.
 */
import { orderPlacer, type VenueProof, venueProofMain } from "@jts/broker-kit/testing";
import { MemoryEventBus } from "@jts/kit";
import { connectRedis, RedisCache } from "@jts/kit/redis";
import { orderFixture, silentLogger } from "@jts/kit/testing";
import { KisTokens } from "./auth.ts";
import type { KisSettings } from "./config.ts";
import { KisBroker } from "./connector.ts";
import { KIS_REQUESTS_PER_SECOND, type KisEnv } from "./constants.ts";
import { KisRest, kisHttp } from "./rest.ts";
import { FakeKis } from "./testing/fake-kis.ts";

const ACCOUNT = "kis-proof";

export function kisProof(env: KisEnv): VenueProof {
  const perSecond = KIS_REQUESTS_PER_SECOND[env];
  return {
    title: `KIS ${env} limits`,
    name: `kis-${env}`,
    command: ["bun", import.meta.path, "--env", env],
    limits: [{ group: "rest", limit: perSecond, windowMs: 1000 }],
    startFake: () => new FakeKis({ env, requestsPerSecond: perSecond }).start(),
    async replica({ url, limiter, redisUrl, prefix, index }) {
      // The fake's default credentials: a child process builds the same settings without the fake at hand.
      const keys = new FakeKis({ env });
      const settings: KisSettings = {
        env,
        appKey: keys.appKey,
        appSecret: keys.appSecret,
        cano: "50012345",
        productCode: "01",
        restUrl: url,
        wsUrl: url.replace("http:", "ws:"),
        account: ACCOUNT,
      };
      const cacheRedis = connectRedis(redisUrl, `kis-${env}-proof-cache-${index}`);
      const cache = new RedisCache(cacheRedis, prefix);
      const http = kisHttp({ settings, limiter, cache, logger: silentLogger });
      const tokens = new KisTokens({ settings, cache, bus: new MemoryEventBus(), logger: silentLogger, http });
      const broker = new KisBroker(settings, new KisRest({ settings, http, tokens, logger: silentLogger }), cache);
      // The token is issued once (one a minute at KIS) and shared through the cache; fetched before the run.
      await tokens.get();
      const placeOrder = orderPlacer((order) => broker.place(order), {
        ...orderFixture({ account: ACCOUNT, venue: "kis", type: "LIMIT", timeInForce: "DAY" }),
        price: "71000",
        quantity: "1",
      });
      // Enough callers to keep the budget busy; more would only queue past the end of the run.
      const callers = Math.max(2, perSecond / 4);
      return {
        workers: Array.from({ length: callers }, () => placeOrder),
        stop: () => http.close(),
        close: async () => {
          await cacheRedis.quit();
        },
      };
    },
  };
}

if (import.meta.main) {
  const env = process.argv[process.argv.indexOf("--env") + 1];
  await venueProofMain(kisProof(env === "paper" ? "paper" : "live"));
}
