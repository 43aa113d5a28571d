import { beforeEach, describe, expect, test } from "bun:test";

const { useDom } = await import("./dom.ts");
useDom(); // also puts the real fetch back after this file

interface Call {
  method: string;
  path: string;
  authorization: string | null;
  body: unknown;
}
type Handler = (call: Call) => Response | Promise<Response>;

let calls: Call[] = [];
let handler: Handler = () => new Response("no handler", { status: 500 });
globalThis.fetch = (async (input: RequestInfo | URL, init: RequestInit = {}) => {
  const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url, location.href);
  const headers = new Headers(init.headers);
  const call: Call = {
    method: init.method ?? "GET",
    path: url.pathname + url.search,
    authorization: headers.get("authorization"),
    body: typeof init.body === "string" ? JSON.parse(init.body) : undefined,
  };
  calls.push(call);
  return handler(call);
}) as typeof fetch;

const api = await import("../src/lib/api.ts");
const cache = await import("../src/lib/cache.ts");

/** An unsigned JWT-shaped token: the app only reads its role claim for display. */
const token = (name: string, role = "trader", sub = "alice") =>
  `h.${btoa(JSON.stringify({ sub, role })).replace(/=+$/, "")}.sig-${name}`;
const json = (body: unknown, status = 200) => Response.json(body, { status });
// What the gateway answers a browser: the refresh token is in its HttpOnly cookie, not here.
const tokens = (name: string, expiresIn = 900, sub = "alice") => ({
  accessToken: token(name, "trader", sub),
  expiresIn,
});
/** Everything page scripts can read from storage. */
const readableStorage = () => [
  ...Object.entries(sessionStorage).map(([k, v]) => `${k}=${v}`),
  ...Object.entries(localStorage).map(([k, v]) => `${k}=${v}`),
];

beforeEach(() => {
  api.clearSession();
  calls = [];
});

describe("session", () => {
  test("login stores the tokens and the role, and refreshes before the access token expires", async () => {
    handler = (call) => (call.path === "/api/auth/login" ? json(tokens("a1", 61)) : json(tokens("a2")));
    await api.login("alice", "pw");
    expect(api.accessToken()).toBe(token("a1"));
    expect(api.role()).toBe("trader");
    expect(calls[0]).toMatchObject({
      method: "POST",
      path: "/api/auth/login",
      body: { username: "alice", password: "pw", refreshTokenIn: "cookie" },
    });
    // 61 s of validity minus the 60 s margin: the refresh runs about a second later, unprompted,
    // with no body: the browser sends the HttpOnly cookie itself.
    await Bun.sleep(1_300);
    expect(calls[1]).toMatchObject({ method: "POST", path: "/api/auth/refresh", body: undefined });
    expect(api.accessToken()).toBe(token("a2"));
  });

  test("a 401 refreshes once and retries with the new token", async () => {
    handler = (call) => (call.path === "/api/auth/login" ? json(tokens("old")) : json([]));
    await api.login("alice", "pw");
    calls = [];
    handler = (call) => {
      if (call.path === "/api/auth/refresh") return json(tokens("new"));
      if (call.authorization === `Bearer ${token("old")}`)
        return json({ error: { code: "UNAUTHORIZED", message: "expired" } }, 401);
      return json([]);
    };
    expect(await api.getOrders()).toEqual([]);
    expect(calls.map((c) => c.path)).toEqual(["/api/orders", "/api/auth/refresh", "/api/orders"]);
    expect(calls[2]?.authorization).toBe(`Bearer ${token("new")}`);
  });

  test("a refused refresh ends the session", async () => {
    handler = (call) =>
      call.path === "/api/auth/login"
        ? json(tokens("x"))
        : json({ error: { code: "UNAUTHORIZED", message: "no" } }, 401);
    await api.login("alice", "pw");
    await expect(api.getOrders()).rejects.toMatchObject({ status: 401 });
    expect(api.accessToken()).toBeNull();
  });

  test("logout revokes the refresh token and forgets the session even when the call fails", async () => {
    handler = (call) => (call.path === "/api/auth/login" ? json(tokens("y")) : new Response("down", { status: 503 }));
    await api.login("alice", "pw");
    await api.logout();
    expect(calls.at(-1)).toMatchObject({ method: "POST", path: "/api/auth/logout", body: {} });
    expect(api.accessToken()).toBeNull();
  });

  test("keeps no refresh token where page scripts can read it, even from a gateway that sends one", async () => {
    sessionStorage.setItem("jts.refreshToken", "left-by-an-old-version");
    handler = () => json({ ...tokens("k"), refreshToken: "r-secret" });
    api.clearSession();
    await api.login("alice", "pw");
    await api.refreshSession();
    expect(readableStorage().some((entry) => entry.includes("r-secret"))).toBe(false);
    expect(sessionStorage.getItem("jts.refreshToken")).toBeNull();
  });

  test("remembered account data is the signed-in user's only, and goes when the session ends", async () => {
    handler = () => json(tokens("c1", 900, "alice"));
    await api.login("alice", "pw");
    cache.remember("orders", [{ orderId: "o-alice" }]);
    expect(cache.recall("orders")?.data).toEqual([{ orderId: "o-alice" }]);
    // Bob signs in in the same tab without a logout: he does not see Alice's orders.
    handler = () => json(tokens("c2", 900, "bob"));
    await api.login("bob", "pw");
    expect(cache.recall("orders")).toBeNull();
    cache.remember("orders", [{ orderId: "o-bob" }]);
    // The session ends by a refused refresh (expired, revoked), not by a logout: the data goes all the same.
    handler = (call) =>
      call.path === "/api/auth/refresh"
        ? json({ error: { code: "UNAUTHORIZED", message: "expired" } }, 401)
        : json({ error: { code: "UNAUTHORIZED", message: "expired" } }, 401);
    await expect(api.getOrders()).rejects.toMatchObject({ status: 401 });
    expect(api.accessToken()).toBeNull();
    expect(readableStorage().filter((entry) => entry.startsWith("jts.last."))).toEqual([]);
    expect(cache.recall("orders")).toBeNull();
    // With no one signed in, nothing is kept.
    cache.remember("orders", [{ orderId: "o-nobody" }]);
    expect(readableStorage().filter((entry) => entry.startsWith("jts.last."))).toEqual([]);
  });

  test("a network failure while refreshing keeps the session and its remembered data (offline is not signed out)", async () => {
    handler = () => json(tokens("n1"));
    await api.login("alice", "pw");
    cache.remember("positions", [{ symbol: "BTC-KRW" }]);
    handler = () => {
      throw new TypeError("network down");
    };
    expect(await api.refreshSession()).toBe(false);
    expect(api.accessToken()).toBe(token("n1"));
    expect(cache.recall("positions")?.data).toEqual([{ symbol: "BTC-KRW" }]);
  });

  test("the trading routes reach the gateway's paths with their bodies, typed by Eden", async () => {
    handler = (call) => (call.path === "/api/auth/login" ? json(tokens("t")) : json({}));
    await api.login("alice", "pw");
    calls = [];
    await api.amendOrder("o-1", { price: "101" });
    await api.cancelAllOrders({ symbol: "BTC-KRW" });
    await api.setTradingState({ state: "HALTED", account: "paper-main", reason: "test", cancelOpenOrders: true });
    await api.setRiskLimits({ account: "paper-main", limits: { maxOrderNotional: "1000" } });
    await api.armAccount("live-1", "live-1");
    await api.disarmAccount("live-1");
    await api.getEquity("paper-main");
    await api.getStrategyKinds();
    await api.createStrategy({ id: "s-1", kind: "bollinger", symbol: "BTC-KRW", params: { period: 20 } });
    await api.setStrategyParams("s-1", { period: 30 });
    expect(calls.map(({ method, path, body }) => ({ method, path, body }))).toEqual([
      { method: "PATCH", path: "/api/orders/o-1", body: { price: "101" } },
      { method: "POST", path: "/api/orders/cancel-all", body: { symbol: "BTC-KRW" } },
      {
        method: "PUT",
        path: "/api/risk/state",
        body: { state: "HALTED", account: "paper-main", reason: "test", cancelOpenOrders: true },
      },
      {
        method: "PUT",
        path: "/api/risk/limits",
        body: { account: "paper-main", limits: { maxOrderNotional: "1000" } },
      },
      { method: "POST", path: "/api/accounts/live-1/arm", body: { confirm: "live-1" } },
      { method: "POST", path: "/api/accounts/live-1/disarm", body: {} },
      { method: "GET", path: "/api/portfolio/equity?account=paper-main", body: undefined },
      { method: "GET", path: "/api/strategies/kinds", body: undefined },
      {
        method: "POST",
        path: "/api/strategies",
        body: { id: "s-1", kind: "bollinger", symbol: "BTC-KRW", params: { period: 20 } },
      },
      { method: "PUT", path: "/api/strategies/s-1/params", body: { params: { period: 30 } } },
    ]);
    expect(calls.every((c) => c.authorization === `Bearer ${token("t")}`)).toBe(true);
  });

  test("an error answer is an ApiError with the gateway's code, message and details", async () => {
    handler = (call) => (call.path === "/api/auth/login" ? json(tokens("z")) : json({}));
    await api.login("alice", "pw");
    handler = () => json({ error: { code: "CONFLICT", message: "order o-1 is FILLED" } }, 409);
    await expect(api.cancelOrder("o-1")).rejects.toMatchObject({
      status: 409,
      code: "CONFLICT",
      message: "order o-1 is FILLED",
    });
    handler = () =>
      json(
        { error: { code: "BAD_REQUEST", message: "invalid bollinger parameters", details: { problems: ["x"] } } },
        400,
      );
    await expect(
      api.createStrategy({ id: "s-2", kind: "bollinger", symbol: "BTC-KRW", params: {} }),
    ).rejects.toMatchObject({ status: 400, code: "BAD_REQUEST", details: { problems: ["x"] } });
    handler = () => new Response("<html>bad gateway</html>", { status: 502 });
    await expect(api.getEquity()).rejects.toMatchObject({ status: 502, code: "HTTP_502" });
  });
});
