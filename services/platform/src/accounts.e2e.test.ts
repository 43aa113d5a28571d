import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { createGatewayService, UserDirectory } from "@jts/api-gateway";
import { type Account, EventTypes, type Fill, Topics } from "@jts/contracts";
import { envelope, MemoryAuditLog, memoryRuntime } from "@jts/kit";
import { eventually, fillFixture, readJson, silentLogger } from "@jts/kit/testing";
import { createPortfolioService } from "@jts/portfolio-tracker";
import { createRiskService } from "@jts/risk-management";

const settings = {
  jwtSecret: "test-secret-test-secret-test-secret-0123",
  accessTtlSeconds: 60,
  refreshTtlSeconds: 600,
  rateLimit: 1000,
  rateWindowMs: 60_000,
  loginRateLimit: 100,
  rpcTimeoutMs: 1000,
  corsOrigins: ["http://localhost:5173"],
};

const runtime = memoryRuntime(silentLogger);
const portfolioAudit = new MemoryAuditLog();
const portfolio = createPortfolioService(runtime, {
  accounts: [
    { id: "acc-alice", owner: "alice", venue: "paper", baseCurrency: "USDT", startingCash: "1000" },
    { id: "acc-bob", owner: "bob", venue: "sim", baseCurrency: "KRW", startingCash: "5000000" },
  ],
  audit: portfolioAudit,
  liveTradingEnabled: true,
  equityIntervalMs: 0,
});
const users = new UserDirectory();
const gateway = createGatewayService(runtime, users, settings);
// The real risk service answers risk.limits.get; limits are set through the gateway like an admin would.
const risk = createRiskService(runtime);
const tokens: Record<string, string> = {};

const call = (method: string, path: string, who: string, body?: unknown) =>
  gateway.app.handle(
    new Request(`http://localhost${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens[who]}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );

beforeAll(async () => {
  await risk.start();
  await portfolio.start();
  for (const [name, role] of [
    ["alice", "trader"],
    ["bob", "trader"],
    ["victor", "viewer"],
    ["root", "admin"],
  ] as const) {
    await users.add(name, `${name}-password-12`, role);
    const res = await gateway.app.handle(
      new Request("http://localhost/api/auth/login", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: name, password: `${name}-password-12` }),
      }),
    );
    tokens[name] = (await readJson(res)).accessToken as string;
  }
});
afterAll(async () => {
  await portfolio.stop();
  await risk.stop();
});

/** The gateway's account routes (services/api-gateway/src/routes/accounts.ts) on a real portfolio service. */
describe("accounts over the gateway", () => {
  it("shows every account as PAPER until an admin arms it, and only once its risk limits are set", async () => {
    const mine = (await readJson(await call("GET", "/api/accounts", "alice"))) as Account[];
    expect(mine.map((a) => [a.id, a.mode])).toEqual([["acc-alice", "PAPER"]]);

    expect((await call("POST", "/api/accounts/acc-alice/arm", "alice", { confirm: "acc-alice" })).status).toBe(403);
    const noLimits = await call("POST", "/api/accounts/acc-alice/arm", "root", { confirm: "acc-alice" });
    expect(noLimits.status).toBe(409);
    expect((await readJson(noLimits)).error.message).toContain("risk limits for acc-alice are unset");
    expect((await call("POST", "/api/accounts/acc-alice/arm", "root", { confirm: "acc-bob" })).status).toBe(400);
    expect((await call("POST", "/api/accounts/acc-alice/arm", "root", {})).status).toBe(422);

    const setLimits = await call("PUT", "/api/risk/limits", "root", {
      account: "acc-alice",
      limits: { maxOrderNotional: "100", maxPositionNotional: "500" },
    });
    expect(setLimits.status).toBe(200);
    const armed = await call("POST", "/api/accounts/acc-alice/arm", "root", { confirm: "acc-alice", reason: "go" });
    expect(armed.status).toBe(200);
    expect(await readJson(armed)).toMatchObject({ id: "acc-alice", mode: "LIVE" });
    const all = (await readJson(await call("GET", "/api/accounts", "root"))) as Account[];
    expect(all.map((a) => [a.id, a.mode])).toEqual([
      ["acc-alice", "LIVE"],
      ["acc-bob", "PAPER"],
    ]);

    // Both sides keep a record: the gateway the request, the portfolio the outcome.
    await eventually(async () =>
      expect((await gateway.audit.list({ actor: "root" })).map((e) => e.action)).toContain("account.arm-request"),
    );
    expect((await portfolioAudit.list()).map((e) => [e.action, e.actor, e.details?.outcome])).toEqual([
      ["account.arm", "root", "LIVE"],
      ["account.arm", "root", "refused"],
      ["account.arm", "root", "refused"],
    ]);
  });

  it("lets the owner or an admin disarm, never a viewer or another trader", async () => {
    expect((await call("POST", "/api/accounts/acc-alice/disarm", "victor")).status).toBe(403);
    expect((await call("POST", "/api/accounts/acc-alice/disarm", "bob")).status).toBe(403);
    const res = await call("POST", "/api/accounts/acc-alice/disarm", "alice", { reason: "done for today" });
    expect(res.status).toBe(200);
    expect(await readJson(res)).toMatchObject({ id: "acc-alice", mode: "PAPER" });
    expect((await call("POST", "/api/accounts/nobody/disarm", "root")).status).toBe(404);
  });

  it("serves equity snapshots of the caller's accounts only", async () => {
    const fill: Fill = fillFixture({
      id: "F-eq",
      orderId: "o",
      clientOrderId: "c",
      account: "acc-alice",
      venue: "paper",
      symbol: "BTC-USDT",
      price: "50000",
      quantity: "0.01",
      fee: "0.5",
      feeCurrency: "USDT",
      tsEvent: "1764236400000000000",
    });
    await runtime.bus.publish(Topics.fill, envelope(EventTypes.fill, "oms", "acc-alice", fill));
    await portfolio.snapshotEquity(["acc-bob"]);
    await eventually(async () =>
      expect(await readJson(await call("GET", "/api/portfolio/equity", "alice"))).toMatchObject([
        { account: "acc-alice", currency: "USDT", equity: "999.5" },
      ]),
    );
    expect((await call("GET", "/api/portfolio/equity?account=acc-bob", "alice")).status).toBe(403);
    const bobs = await readJson(await call("GET", "/api/portfolio/equity?account=acc-bob&limit=5", "root"));
    expect(bobs).toMatchObject([{ account: "acc-bob", currency: "KRW", equity: "5000000" }]);
    expect((await call("GET", "/api/portfolio/equity?limit=0", "root")).status).toBe(422);
    expect((await call("GET", "/api/portfolio/equity?since=yesterday", "root")).status).toBe(422);
  });
});
