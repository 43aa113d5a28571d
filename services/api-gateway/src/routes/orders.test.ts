import { beforeAll, describe, expect, it } from "bun:test";
import type { Order } from "@jts/contracts";
import { memoryRuntime } from "@jts/kit";
import { orderFixture, readJson, silentLogger } from "@jts/kit/testing";
import { UserDirectory } from "../auth/users.ts";
import { createGatewayService } from "../service.ts";

const settings = {
  jwtSecret: "test-secret-test-secret-test-secret-0123",
  accessTtlSeconds: 60,
  refreshTtlSeconds: 600,
  rateLimit: 1000,
  rateWindowMs: 60_000,
  loginRateLimit: 100,
  rpcTimeoutMs: 500,
  corsOrigins: ["http://localhost:5173"],
};

let gateway: ReturnType<typeof createGatewayService>;
/** What the OMS was asked, per subject. */
const asked: Record<string, unknown[]> = {};

const send = (method: string, path: string, body: unknown, token?: string) =>
  gateway.app.handle(
    new Request(`http://localhost${path}`, {
      method,
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    }),
  );
const login = async (username: string, password: string) =>
  (await readJson(await send("POST", "/api/auth/login", { username, password }))).accessToken as string;

beforeAll(async () => {
  const users = new UserDirectory();
  await users.add("alice", "alice-password-1", "trader");
  await users.add("victor", "victor-password-1", "viewer");
  await users.add("root", "root-password-12", "admin");
  const runtime = memoryRuntime(silentLogger);
  const record = (subject: string, reply: (request: unknown) => unknown) =>
    runtime.rpc.serve(subject, (request) => {
      const list = asked[subject] ?? [];
      asked[subject] = list;
      list.push(request);
      return reply(request);
    });
  await record("portfolio.accounts", () => [
    { id: "alice-1", owner: "alice", venue: "sim", kind: "CASH", baseCurrency: "KRW", balances: [], mode: "PAPER" },
  ]);
  const canceled: Order = orderFixture({ id: "o1", account: "alice-1", status: "CANCELED" });
  await record("order.cancel-all", () => ({ canceled: [canceled] }));
  await record("order.amend", (request) => {
    const { changes } = request as { changes: { price?: string } };
    return orderFixture({
      id: "o2",
      account: "alice-1",
      type: "LIMIT",
      price: changes.price ?? null,
      status: "ACCEPTED",
    });
  });
  gateway = createGatewayService(runtime, users, settings);
});

describe("gateway OMS routes", () => {
  it("cancel-all: a trader stays inside their accounts, an admin is not scoped", async () => {
    const alice = await login("alice", "alice-password-1");
    const res = await send("POST", "/api/orders/cancel-all", { symbol: "005930" }, alice);
    expect(res.status).toBe(200);
    expect((await readJson(res)).canceled.map((o: Order) => o.id)).toEqual(["o1"]);
    expect(asked["order.cancel-all"]?.at(-1)).toEqual({ symbol: "005930", accounts: ["alice-1"] });

    expect((await send("POST", "/api/orders/cancel-all", { account: "bob-1" }, alice)).status).toBe(403);

    const root = await login("root", "root-password-12");
    expect((await send("POST", "/api/orders/cancel-all", { account: "bob-1" }, root)).status).toBe(200);
    expect(asked["order.cancel-all"]?.at(-1)).toEqual({ account: "bob-1" });
  });

  it("amend: passes the changes and the caller's accounts and returns the replacement", async () => {
    const alice = await login("alice", "alice-password-1");
    const res = await send("PATCH", "/api/orders/o1", { price: "71000" }, alice);
    expect(res.status).toBe(200);
    expect(await readJson(res)).toMatchObject({ id: "o2", price: "71000" });
    expect(asked["order.amend"]?.at(-1)).toEqual({ orderId: "o1", changes: { price: "71000" }, accounts: ["alice-1"] });
  });

  it("refuses viewers, anonymous callers and bad bodies before the OMS sees them", async () => {
    const before = (asked["order.amend"]?.length ?? 0) + (asked["order.cancel-all"]?.length ?? 0);
    const victor = await login("victor", "victor-password-1");
    expect((await send("POST", "/api/orders/cancel-all", {}, victor)).status).toBe(403);
    expect((await send("PATCH", "/api/orders/o1", { price: "1" }, victor)).status).toBe(403);
    expect((await send("PATCH", "/api/orders/o1", { price: "1" })).status).toBe(401);
    const alice = await login("alice", "alice-password-1");
    for (const body of [{ price: "-5" }, { quantity: "abc" }, { price: 71000 }]) {
      const res = await send("PATCH", "/api/orders/o1", body, alice);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    expect((await send("POST", "/api/orders/cancel-all", { symbol: "not a symbol" }, alice)).status).toBe(422);
    const after = (asked["order.amend"]?.length ?? 0) + (asked["order.cancel-all"]?.length ?? 0);
    expect(after).toBe(before);
  });
});
