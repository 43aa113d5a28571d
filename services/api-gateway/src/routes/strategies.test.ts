import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { Account, StrategyStatus } from "@jts/contracts";
import { memoryRuntime } from "@jts/kit";
import { readJson, silentLogger } from "@jts/kit/testing";
import { createStrategyService } from "@jts/strategy-engine";
import { MemoryUserDirectory } from "../auth/users.ts";
import { createGatewayService } from "../service.ts";

const settings = {
  jwtSecret: "strategy-routes-test-secret-strategy-routes",
  accessTtlSeconds: 600,
  refreshTtlSeconds: 600,
  rateLimit: 1000,
  rateWindowMs: 60_000,
  loginRateLimit: 50,
  rpcTimeoutMs: 1000,
  corsOrigins: [],
};
const runtime = memoryRuntime(silentLogger);
const users = new MemoryUserDirectory();
const gateway = createGatewayService(runtime, users, settings);
const strategies = createStrategyService(runtime, {
  strategies: [
    {
      id: "ma-bob",
      kind: "ma-crossover",
      account: "acc-bob",
      symbol: "BTC-KRW",
      venue: "sim",
      params: { fastPeriod: 5, slowPeriod: 20, quantity: "0.001" },
      enabled: false,
    },
  ],
});

const request = (path: string, token: string, method = "GET", body?: unknown) =>
  gateway.app.handle(
    new Request(`http://localhost${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );
const tokens: Record<string, string> = {};

beforeAll(async () => {
  const accounts: Account[] = [
    { id: "acc-alice", owner: "alice", venue: "sim", kind: "CASH", baseCurrency: "KRW", mode: "PAPER", balances: [] },
    { id: "acc-bob", owner: "bob", venue: "sim", kind: "CASH", baseCurrency: "KRW", mode: "PAPER", balances: [] },
  ];
  await runtime.rpc.serve("portfolio.accounts", (req) => {
    const { owner } = req as { owner?: string };
    return accounts.filter((a) => owner === undefined || a.owner === owner);
  });
  await strategies.start();
  for (const [name, role] of [
    ["alice", "trader"],
    ["vera", "viewer"],
    ["root", "admin"],
  ] as const) {
    await users.add(name, `${name}-password-123`, role);
    const res = await gateway.app.handle(
      new Request("http://localhost/api/auth/login", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: name, password: `${name}-password-123` }),
      }),
    );
    tokens[name] = (await readJson(res)).accessToken;
  }
});

afterAll(() => strategies.stop());

describe("strategy routes", () => {
  const bollinger = {
    id: "bb-alice",
    kind: "bollinger",
    symbol: "BTC-KRW",
    params: { period: 20, width: 2, quantity: "0.01" },
  };

  it("lets a trader create a strategy on their own account, then change its parameters", async () => {
    const created = await request("/api/strategies", tokens.alice as string, "POST", bollinger);
    expect(created.status).toBe(200);
    expect(((await readJson(created)) as StrategyStatus).config).toMatchObject({
      account: "acc-alice",
      enabled: false,
    });
    const changed = await request("/api/strategies/bb-alice/params", tokens.alice as string, "PUT", {
      params: { period: 30, width: 2.5, quantity: "0.01" },
    });
    expect(changed.status).toBe(200);
    const list = (await readJson(await request("/api/strategies", tokens.alice as string))) as StrategyStatus[];
    expect(list.find((s) => s.config.id === "bb-alice")?.config.params).toEqual({
      period: 30,
      width: 2.5,
      quantity: "0.01",
    });
  });

  it("answers 400 with the kind's reasons for bad parameters", async () => {
    const res = await request("/api/strategies/bb-alice/params", tokens.alice as string, "PUT", {
      params: { period: 1, width: 2, quantity: "0.01" },
    });
    expect(res.status).toBe(400);
    const body = await readJson(res);
    expect(body.error.message).toContain("invalid bollinger parameters");
    expect(body.error.details.problems[0]).toContain("period");
  });

  it("refuses viewers, and traders on strategies of other accounts", async () => {
    expect((await request("/api/strategies", tokens.vera as string, "POST", { ...bollinger, id: "v" })).status).toBe(
      403,
    );
    expect((await request("/api/strategies/bb-alice/stop", tokens.vera as string, "POST")).status).toBe(403);
    expect((await request("/api/strategies/ma-bob/start", tokens.alice as string, "POST")).status).toBe(403);
    expect(
      (await request("/api/strategies", tokens.alice as string, "POST", { ...bollinger, id: "x", account: "acc-bob" }))
        .status,
    ).toBe(403);
    // A missing strategy and another account's answer the same to a trader (attacker review 6); 404 to an admin.
    const foreign = await request("/api/strategies/ma-bob/start", tokens.alice as string, "POST");
    const missing = await request("/api/strategies/nope/start", tokens.alice as string, "POST");
    expect(missing.status).toBe(403);
    expect((await readJson(missing)).error.message).toBe("no strategy nope on your accounts");
    expect((await readJson(foreign)).error.message).toBe("no strategy ma-bob on your accounts");
    expect((await request("/api/strategies/nope/start", tokens.root as string, "POST")).status).toBe(404);
  });

  it("lists a trader's and a viewer's own accounts' strategies only, every strategy for an admin", async () => {
    const ids = async (user: string) =>
      ((await readJson(await request("/api/strategies", tokens[user] as string))) as StrategyStatus[])
        .map((s) => s.config.id)
        .sort();
    expect(await ids("alice")).toEqual(["bb-alice"]);
    expect(await ids("vera")).toEqual([]); // owns no account
    expect(await ids("root")).toEqual(["bb-alice", "ma-bob"]);
  });

  it("lists the kinds with their parameter schemas for a create form", async () => {
    const kinds = await readJson(await request("/api/strategies/kinds", tokens.vera as string));
    expect(kinds.map((k: { kind: string }) => k.kind)).toEqual(["ma-crossover", "bollinger", "donchian"]);
    expect(Object.keys(kinds[1].params.properties)).toEqual(["period", "width", "quantity"]);
  });

  it("starts and stops a trader's own strategy", async () => {
    const started = await request("/api/strategies/bb-alice/start", tokens.alice as string, "POST");
    expect(((await readJson(started)) as StrategyStatus).running).toBe(true);
    const stopped = await request("/api/strategies/bb-alice/stop", tokens.alice as string, "POST");
    expect(((await readJson(stopped)) as StrategyStatus).running).toBe(false);
  });
});
