import { afterAll, describe, expect, it } from "bun:test";
import type { RiskStatus } from "@jts/contracts";
import { memoryRuntime, type Runtime } from "@jts/kit";
import { connectRedis, RedisCache, RedisRateLimiter } from "@jts/kit/redis";
import { readJson, serverUrl, silentLogger } from "@jts/kit/testing";
import { MemoryUserDirectory } from "./auth/users.ts";
import { createGatewayService } from "./service.ts";

const settings = {
  jwtSecret: "rate-limit-test-secret-rate-limit-test-secret",
  accessTtlSeconds: 600,
  refreshTtlSeconds: 600,
  rateLimit: 100,
  rateWindowMs: 60_000,
  loginRateLimit: 10,
  rpcTimeoutMs: 500,
  corsOrigins: ["http://localhost:5173"],
};
const status: RiskStatus = {
  state: "ACTIVE",
  limits: { maxOrderNotional: "1", maxPositionNotional: "1" },
  reason: "test",
  updatedAt: "1",
};
const users = new MemoryUserDirectory();
await users.add("trader-1", "trader-password-1", "trader");

/** A gateway with a risk service answering, so every allowed request is a 200. */
async function gateway(runtime: Runtime) {
  await runtime.rpc.serve("risk.status", () => status);
  return createGatewayService(runtime, users, settings);
}

async function login(app: Awaited<ReturnType<typeof gateway>>["app"]) {
  const res = await app.handle(
    new Request("http://localhost/api/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "trader-1", password: "trader-password-1" }),
    }),
  );
  return (await readJson(res)).accessToken as string;
}

/** 150 requests, spread over the given gateways in turn; returns the statuses and the last refusal. */
async function burst(apps: Array<Awaited<ReturnType<typeof gateway>>["app"]>, token: string) {
  const statuses: number[] = [];
  let refusal: Response | undefined;
  for (let i = 0; i < 150; i++) {
    const app = apps[i % apps.length] as (typeof apps)[number];
    const res = await app.handle(
      new Request("http://localhost/api/risk", { headers: { authorization: `Bearer ${token}` } }),
    );
    statuses.push(res.status);
    if (res.status === 429) refusal = res;
  }
  return { statuses, refusal };
}

describe("gateway rate limit: 100 requests per minute per user", () => {
  it("lets exactly 100 of 150 requests through and answers the rest 429 with Retry-After", async () => {
    const g = await gateway(memoryRuntime(silentLogger));
    const token = await login(g.app);
    const { statuses, refusal } = await burst([g.app], token);
    expect(statuses.filter((s) => s === 200)).toHaveLength(100);
    expect(statuses.filter((s) => s === 429)).toHaveLength(50);
    expect(Number(refusal?.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(refusal?.headers.get("ratelimit-limit")).toBe("100");
    expect(refusal?.headers.get("ratelimit-remaining")).toBe("0");
  });

  it("limits requests without a valid token per address before login", async () => {
    const g = await gateway(memoryRuntime(silentLogger));
    const statuses: number[] = [];
    for (let i = 0; i < 101; i++) {
      statuses.push(
        (await g.app.handle(new Request("http://localhost/api/risk", { headers: { authorization: "Bearer guess" } })))
          .status,
      );
    }
    expect(statuses.filter((s) => s === 401)).toHaveLength(100);
    expect(statuses.at(-1)).toBe(429);
  });

  const redisUrl = serverUrl("REDIS_URL");
  const connections: Array<{ close(): Promise<void> }> = [];
  afterAll(async () => {
    for (const c of connections) await c.close();
  });

  it.skipIf(!redisUrl)(
    `holds across two gateway replicas sharing Redis${redisUrl ? "" : " (skipped: REDIS_URL not set)"}`,
    async () => {
      const prefix = `test:gw:${Date.now()}:`;
      const replica = async () => {
        const cache = new RedisCache(connectRedis(redisUrl as string, "gw-cache"), prefix);
        const limiter = new RedisRateLimiter(connectRedis(redisUrl as string, "gw-limits"), `${prefix}rl:`);
        connections.push(cache, limiter);
        return gateway({ ...memoryRuntime(silentLogger), cache, limiter });
      };
      const [a, b] = [await replica(), await replica()];
      const token = await login(a.app);
      const { statuses, refusal } = await burst([a.app, b.app], token);
      expect(statuses.filter((s) => s === 200)).toHaveLength(100);
      expect(statuses.filter((s) => s === 429)).toHaveLength(50);
      expect(refusal?.headers.get("retry-after")).toMatch(/^\d+$/);
    },
  );
});
