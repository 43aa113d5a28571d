import { beforeAll, describe, expect, it } from "bun:test";
import { Subjects } from "@jts/contracts";
import { memoryRuntime } from "@jts/kit";
import { readJson, silentLogger } from "@jts/kit/testing";
import { MemoryUserDirectory } from "../auth/users.ts";
import { createGatewayService } from "../service.ts";

const settings = {
  jwtSecret: "candle-routes-test-secret-candle-routes",
  accessTtlSeconds: 600,
  refreshTtlSeconds: 600,
  rateLimit: 1000,
  rateWindowMs: 60_000,
  loginRateLimit: 50,
  rpcTimeoutMs: 500,
  corsOrigins: [],
};
const users = new MemoryUserDirectory();
const runtime = memoryRuntime(silentLogger);
const gateway = createGatewayService(runtime, users, settings);
/** What the market-data collector was asked. */
const asked: unknown[] = [];
let token = "";

const get = (path: string) =>
  gateway.app.handle(new Request(`http://localhost${path}`, { headers: { authorization: `Bearer ${token}` } }));

beforeAll(async () => {
  await users.add("vic", "vic-password-123", "viewer");
  await runtime.rpc.serve(Subjects.candles, (query) => {
    asked.push(query);
    return [];
  });
  const res = await gateway.app.handle(
    new Request("http://localhost/api/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "vic", password: "vic-password-123" }),
    }),
  );
  token = (await readJson(res)).accessToken;
});

describe("GET /api/candles, the chart's history as it scrolls back", () => {
  it("passes a page's `to` (just before the oldest bar shown) and `limit` to the collector", async () => {
    const res = await get("/api/candles?symbol=BTC-KRW&interval=5m&to=1796392679999999999&limit=300");
    expect(res.status).toBe(200);
    expect(asked.at(-1)).toEqual({ symbol: "BTC-KRW", interval: "5m", to: "1796392679999999999", limit: 300 });
  });

  it.each([
    ["an interval it does not build", "interval=2m"],
    ["a time that is not ns digits", "to=yesterday"],
    ["a negative time", "to=-5"],
    ["a limit of 0", "limit=0"],
    // 5000 one-minute bars are about 1-1.2 MB: at the edge of what NATS carries (1 MiB) and ~6x a 300-bar page's CPU.
    ["a limit past 2000", "limit=2001"],
    ["the collector's own maximum, 5000", "limit=5000"],
    ["a limit that is not a number", "limit=many"],
  ])("answers 422 to %s and asks the collector nothing", async (_, query) => {
    const before = asked.length;
    const res = await get(`/api/candles?symbol=BTC-KRW&${query}`);
    expect(res.status).toBe(422);
    expect(asked.length).toBe(before);
  });
});
