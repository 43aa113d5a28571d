import { beforeAll, describe, expect, it } from "bun:test";
import { jwt } from "@elysiajs/jwt";
import type { Account, Order } from "@jts/contracts";
import { AppError, MemoryAuditLog, memoryRuntime } from "@jts/kit";
import { orderFixture, readJson, silentLogger } from "@jts/kit/testing";
import type { JwtCodec } from "./auth/tokens.ts";
import { MemoryUserDirectory } from "./auth/users.ts";
import { createGatewayService } from "./service.ts";

const secret = "security-test-secret-security-test-secret";
const settings = {
  jwtSecret: secret,
  accessTtlSeconds: 600,
  refreshTtlSeconds: 600,
  rateLimit: 1000,
  rateWindowMs: 60_000,
  loginRateLimit: 50,
  rpcTimeoutMs: 500,
  corsOrigins: ["https://desk.example"],
};
const users = new MemoryUserDirectory();
const audit = new MemoryAuditLog();
const runtime = memoryRuntime(silentLogger);
const gateway = createGatewayService(runtime, users, settings, { audit });
const aliceOrder = orderFixture({ id: "order-alice", account: "acc-alice" });

const request = (path: string, init: RequestInit = {}) =>
  gateway.app.handle(new Request(`http://localhost${path}`, init));
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
async function login(username: string, password: string): Promise<string> {
  const res = await request("/api/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json", "user-agent": "security-test" },
    body: JSON.stringify({ username, password }),
  });
  return (await readJson(res)).accessToken;
}
const sign = (claims: Record<string, string | number>, key = secret) =>
  (jwt({ name: "jwt", secret: key }).decorator as unknown as { jwt: JwtCodec }).jwt.sign(claims);
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");

beforeAll(async () => {
  await users.add("alice", "alice-password-1", "trader");
  await users.add("bob", "bob-password-12", "trader");
  await users.add("root", "root-password-12", "admin");
  // The services' side of account scoping, as portfolio-tracker and order-execution answer it.
  const accounts: Account[] = [
    { id: "acc-alice", owner: "alice", venue: "sim", kind: "CASH", baseCurrency: "KRW", mode: "PAPER", balances: [] },
    { id: "acc-bob", owner: "bob", venue: "sim", kind: "CASH", baseCurrency: "KRW", mode: "PAPER", balances: [] },
  ];
  await runtime.rpc.serve("portfolio.accounts", (req) => {
    const { owner, accounts: ids } = req as { owner?: string; accounts?: string[] };
    return accounts.filter((a) => (owner === undefined || a.owner === owner) && (!ids || ids.includes(a.id)));
  });
  await runtime.rpc.serve("order.get", (req) => {
    const { orderId, accounts: ids } = req as { orderId: string; accounts?: string[] };
    if (orderId !== aliceOrder.id || (ids && !ids.includes(aliceOrder.account)))
      throw new AppError("NOT_FOUND", `order ${orderId} not found`);
    return aliceOrder satisfies Order;
  });
});

describe("gateway security", () => {
  it("refuses an expired token, a wrong signature and alg none with 401", async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await sign({ sub: "alice", role: "trader", jti: "j1", exp: now - 10 });
    const forged = await sign(
      { sub: "alice", role: "admin", jti: "j2", exp: now + 600 },
      "another-secret-another-secret-another",
    );
    const none = `${b64({ alg: "none", typ: "JWT" })}.${b64({ sub: "alice", role: "admin", jti: "j3", exp: now + 600 })}.`;
    for (const token of [expired, forged, none, "not-a-jwt"]) {
      const res = await request("/api/positions", { headers: bearer(token) });
      expect(res.status).toBe(401);
      expect((await readJson(res)).error.code).toBe("UNAUTHORIZED");
    }
  });

  it("shows a trader only their own accounts and orders", async () => {
    const alice = await login("alice", "alice-password-1");
    const bob = await login("bob", "bob-password-12");
    expect(
      (await readJson(await request("/api/accounts", { headers: bearer(bob) }))).map((a: Account) => a.id),
    ).toEqual(["acc-bob"]);
    expect((await request("/api/orders/order-alice", { headers: bearer(alice) })).status).toBe(200);
    const other = await request("/api/orders/order-alice", { headers: bearer(bob) });
    expect(other.status).toBe(404);
    const foreign = await request("/api/orders", {
      method: "POST",
      headers: { ...bearer(bob), "content-type": "application/json" },
      body: JSON.stringify({
        clientOrderId: "b1",
        account: "acc-alice",
        symbol: "005930",
        side: "BUY",
        type: "MARKET",
        quantity: "1",
      }),
    });
    expect(foreign.status).toBe(403);
  });

  it("lets only an admin resume trading", async () => {
    const alice = await login("alice", "alice-password-1");
    const res = await request("/api/risk/state", {
      method: "PUT",
      headers: { ...bearer(alice), "content-type": "application/json" },
      body: JSON.stringify({ state: "ACTIVE" }),
    });
    expect(res.status).toBe(403);
  });

  it("lets only an admin change risk limits and add users", async () => {
    const alice = await login("alice", "alice-password-1");
    const root = await login("root", "root-password-12");
    const json = (token: string, method: string, body: unknown) => ({
      method,
      headers: { ...bearer(token), "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const limits = { limits: { maxOrderNotional: "1000", maxPositionNotional: "2000" } };
    expect((await request("/api/risk/limits", json(alice, "PUT", limits))).status).toBe(403);
    const newUser = { username: "carol", password: "carol-password-1", role: "viewer" };
    expect((await request("/api/users", json(alice, "POST", newUser))).status).toBe(403);
    const created = await request("/api/users", json(root, "POST", newUser));
    expect(created.status).toBe(201);
    expect(await readJson(created)).toEqual({ username: "carol", role: "viewer" });
    expect((await request("/api/users", json(root, "POST", newUser))).status).toBe(409);
    expect(await login("carol", "carol-password-1")).toBeString();
  });

  it("sends security headers and CORS headers only to allowed origins", async () => {
    const res = await request("/health", { headers: { origin: "https://desk.example" } });
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(res.headers.get("access-control-allow-origin")).toBe("https://desk.example");
    const other = await request("/health", { headers: { origin: "https://evil.example" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    const preflight = await request("/api/orders", { method: "OPTIONS", headers: { origin: "https://evil.example" } });
    expect(preflight.status).toBe(403);
    const allowed = await request("/api/orders", { method: "OPTIONS", headers: { origin: "https://desk.example" } });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-headers")).toContain("authorization");
  });

  it("audits logins and state-changing calls with who, what, when and from where, never a password", async () => {
    await request("/api/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "security-test" },
      body: JSON.stringify({ username: "alice", password: "wrong-password" }),
    });
    const alice = await login("alice", "alice-password-1");
    await request("/api/strategies/ma-x/stop", {
      method: "POST",
      headers: { ...bearer(alice), "user-agent": "security-test" },
    });
    await Bun.sleep(10);
    const entries = await audit.list({ actor: "alice" });
    const actions = entries.map(
      (e) =>
        `${e.action}:${(e.details as { outcome?: string; status?: number }).outcome ?? (e.details as { status?: number }).status}`,
    );
    expect(actions).toContain("auth.login:refused");
    expect(actions).toContain("auth.login:ok");
    expect(actions).toContain("strategy.stop:503");
    const stop = entries.find((e) => e.action === "strategy.stop");
    expect(stop).toMatchObject({ target: "ma-x", userAgent: "security-test" });
    expect(stop?.ts).toMatch(/^\d+$/);
    expect(JSON.stringify(entries)).not.toContain("password");
  });
});
