import { afterAll, describe, expect, it } from "bun:test";
import { type RiskDecision, Subjects } from "@jts/contracts";
import { memoryRuntime, rpcClient } from "@jts/kit";
import { connectRedis, RedisCache, RedisRateLimiter } from "@jts/kit/redis";
import { orderFixture, serverUrl, silentLogger } from "@jts/kit/testing";
import { createRiskService } from "./service.ts";
import { servePortfolio } from "./testing.ts";

const redisUrl = serverUrl("REDIS_URL");
const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of closers.splice(0)) await close();
});

describe("risk service on Redis", () => {
  it.skipIf(!redisUrl)(
    `holds an account's submit rate across two risk replicas and hands limits set on one to a restarted one${redisUrl ? "" : " (skipped: REDIS_URL not set)"}`,
    async () => {
      const prefix = `test:risk:${Date.now()}:`;
      const replica = async () => {
        const runtime = memoryRuntime(silentLogger);
        await servePortfolio(runtime);
        const cache = new RedisCache(connectRedis(redisUrl as string, "risk-cache"), prefix);
        const limiter = new RedisRateLimiter(connectRedis(redisUrl as string, "risk-limits"), `${prefix}rl:`);
        const service = createRiskService(
          { ...runtime, cache, limiter },
          { limits: { maxOrderNotional: "100000000", maxPositionNotional: "100000000" } },
        );
        await service.start();
        service.engine.onPrice("005930", "70000");
        closers.push(async () => {
          await service.stop();
          await cache.delete("risk:settings"); // shared Redis: leave nothing behind
          await cache.delete("risk:day-baselines");
          await cache.close();
          await limiter.close();
        });
        return { service, call: rpcClient(runtime.rpc).call };
      };
      const a = await replica();
      await a.call(Subjects.riskSetLimits, {
        account: "acc",
        limits: { accountSubmitRate: { limit: 5, windowMs: 60_000 } },
      });
      const b = await replica(); // starts after the change: reads it from Redis
      expect(b.service.engine.limits.view("acc").limits).toEqual({ accountSubmitRate: { limit: 5, windowMs: 60_000 } });
      const rules: Array<string | null> = [];
      for (let i = 0; i < 8; i++) {
        const call = i % 2 === 0 ? a.call : b.call;
        const order = orderFixture({ id: `o${i}`, clientOrderId: `c${i}`, quantity: String(i + 1) });
        rules.push(((await call(Subjects.riskCheck, { order })) as RiskDecision).rule);
      }
      expect(rules.filter((r) => r === null)).toHaveLength(5);
      expect(rules.slice(5)).toEqual(["ACCOUNT_SUBMIT_RATE", "ACCOUNT_SUBMIT_RATE", "ACCOUNT_SUBMIT_RATE"]);
    },
  );
});
