import { afterAll, describe, expect, it } from "bun:test";
import { MemoryEventBus } from "@jts/kit";
import { connectRedis, RedisCache, RedisRateLimiter } from "@jts/kit/redis";
import { serverUrl } from "@jts/kit/testing";
import type { KisEnv, KisSettings } from "./config.ts";
import { FakeKis } from "./fake-venue.ts";
import { KisRest, kisHttp } from "./http-client.ts";
import { quietLogger } from "./testing.ts";
import { KisTokens } from "./token.ts";
import { trId } from "./tr-ids.ts";
import { balanceQuery } from "./wire.ts";

const url = serverUrl("REDIS_URL");
const BALANCE = "/uapi/domestic-stock/v1/trading/inquire-balance";
const closers: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
});

/** Two replicas (own Redis connections, own token holder) hammer the balance endpoint for `durationMs`. */
async function hammer(env: KisEnv, perSecond: number, durationMs: number) {
  const fake = new FakeKis({ env, requestsPerSecond: perSecond }).start();
  closers.push(() => fake.stop());
  const settings: KisSettings = {
    env,
    appKey: `${fake.appKey}-${env}-${Date.now()}`,
    appSecret: fake.appSecret,
    cano: "50012345",
    productCode: "01",
    restUrl: fake.url,
    wsUrl: fake.wsUrl,
    account: "kis-test",
  };
  // The fake checks the app key it was made with; the tagged key only separates Redis keys between runs.
  const fetchAs = (input: string, init: RequestInit) => {
    const headers = new Headers(init.headers);
    if (headers.has("appkey")) headers.set("appkey", fake.appKey);
    return fetch(input, { ...init, headers });
  };
  const tokenSettings = { ...settings, appKey: fake.appKey };
  const prefix = `test:kis-limits:${Date.now()}:${env}:`;
  const replicas = [1, 2].map((n) => {
    const limiterRedis = connectRedis(url as string, `kis-limits-${n}`);
    const cacheRedis = connectRedis(url as string, `kis-cache-${n}`);
    const limiter = new RedisRateLimiter(limiterRedis, prefix);
    const cache = new RedisCache(cacheRedis, prefix);
    closers.push(
      () => limiter.close(),
      () => cacheRedis.quit(),
    );
    const tokenHttp = kisHttp({ settings: tokenSettings, limiter, cache, logger: quietLogger });
    const tokens = new KisTokens({
      settings: tokenSettings,
      cache,
      bus: new MemoryEventBus(),
      logger: quietLogger,
      http: tokenHttp,
    });
    const http = kisHttp({ settings, limiter, cache, logger: quietLogger, fetch: fetchAs, retries: 0 });
    return new KisRest({ settings, http, tokens, logger: quietLogger });
  });
  const stopAt = performance.now() + durationMs;
  let refused = 0;
  const worker = async (rest: KisRest) => {
    while (performance.now() < stopAt) {
      await rest.get(BALANCE, trId("balance", env), balanceQuery(settings)).catch(() => refused++);
    }
  };
  // Enough callers to keep the budget busy; more would only queue past the end of the run.
  const callersPerReplica = Math.max(2, perSecond / 2);
  await Promise.all(replicas.flatMap((rest) => Array.from({ length: callersPerReplica }, () => worker(rest))));
  const arrivals = fake.requests.filter((r) => r.path === BALANCE).map((r) => r.at);
  const first = Math.min(...arrivals);
  const inRun = arrivals.filter((t) => t < first + durationMs);
  // The fake's meter is the referee: the most requests that arrived in any sliding second.
  return {
    busiest: fake.venue.meter.peak("rest", 1000),
    used: inRun.length / ((perSecond * durationMs) / 1000),
    refused,
  };
}

describe.skipIf(!url)("KIS request budget shared by replicas through Redis", () => {
  it("never exceeds 20 requests in any second live, and uses at least 90% of them", async () => {
    const { busiest, used, refused } = await hammer("live", 20, 3000);
    console.info(`KIS live: busiest second ${busiest}/20, used ${(used * 100).toFixed(1)}% of the budget`);
    expect(refused).toBe(0);
    expect(busiest).toBeLessThanOrEqual(20);
    expect(used).toBeGreaterThanOrEqual(0.9);
  }, 20_000);

  it("never exceeds 2 requests in any second on paper, and uses at least 90% of them", async () => {
    const { busiest, used, refused } = await hammer("paper", 2, 4000);
    console.info(`KIS paper: busiest second ${busiest}/2, used ${(used * 100).toFixed(1)}% of the budget`);
    expect(refused).toBe(0);
    expect(busiest).toBeLessThanOrEqual(2);
    expect(used).toBeGreaterThanOrEqual(0.9);
  }, 20_000);
});

if (!url) it.skip("KIS request budget across replicas (REDIS_URL not set)", () => {});
