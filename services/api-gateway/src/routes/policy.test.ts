import { beforeAll, describe, expect, it } from "bun:test";
import { Subjects } from "@jts/contracts";
import { MemoryAuditLog, MemoryRateLimiter, memoryRuntime } from "@jts/kit";
import { silentLogger } from "@jts/kit/testing";
import { Elysia } from "elysia";
import { auditTrail } from "../audit-trail.ts";
import { authPlugin, routePolicy } from "../auth/plugin.ts";
import { bucketFor, rateLimiter } from "../auth/rate-limit.ts";
import { MemoryUserDirectory } from "../auth/users.ts";
import { createGatewayService } from "../service.ts";

/**
 * The gateway's route policy, read off the app's own route table, so a route
 * added later is checked too: every route but these needs an access token,
 * and every state-changing one is audited.
 */
const PUBLIC = new Set([
  "GET /health",
  "GET /ready",
  "GET /metrics",
  "GET /docs",
  "GET /docs/json",
  "GET /docs/assets/:file",
  // The upgrade is public; the hub takes the token in the first message and checks it on every one after.
  "WS /ws",
  "POST /api/auth/login",
  "POST /api/auth/refresh",
]);
const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

const runtime = memoryRuntime(silentLogger);
/** Every rpc the gateway makes in these tests; none may happen without a token. */
const asked: string[] = [];
let gateway: ReturnType<typeof createGatewayService>;
const routes = () => gateway.app.routes.map((route) => ({ key: `${route.method} ${route.path}`, route }));

beforeAll(async () => {
  for (const subject of Object.values(Subjects))
    if (typeof subject === "string")
      await runtime.rpc.serve(subject, () => {
        asked.push(subject);
        return [];
      });
  gateway = createGatewayService(runtime, new MemoryUserDirectory(), {
    jwtSecret: "policy-test-secret-policy-test-secret-0",
    accessTtlSeconds: 60,
    refreshTtlSeconds: 60,
    rateLimit: 10_000,
    rateWindowMs: 60_000,
    loginRateLimit: 100,
    rpcTimeoutMs: 200,
    corsOrigins: [],
  });
});

describe("gateway route policy (auth/plugin.ts)", () => {
  it("checks the access token on every route but the public ones", () => {
    const open = routes()
      .filter(({ route }) => !routePolicy(route).token)
      .map(({ key }) => key);
    expect(open.sort()).toEqual([...PUBLIC].sort());
  });

  it("audits every state-changing route, under the action names the audit log has always had", () => {
    const actions = Object.fromEntries(
      routes()
        .filter(({ key, route }) => STATE_CHANGING.has(route.method) && !PUBLIC.has(key))
        .map(({ key, route }) => [key, routePolicy(route).audit ?? "(not audited)"]),
    );
    // A new state-changing route shows up here: give it an `audit` route option and its line below.
    expect(actions).toEqual({
      "POST /api/auth/logout": "auth.logout",
      "POST /api/auth/logout-all": "auth.logout-all",
      "PUT /api/auth/password": "auth.password-change",
      "POST /api/orders": "order.submit",
      "DELETE /api/orders/:id": "order.cancel",
      "POST /api/orders/cancel-all": "order.cancel-all",
      "PATCH /api/orders/:id": "order.amend",
      "POST /api/accounts/:id/arm": "account.arm-request",
      "POST /api/accounts/:id/disarm": "account.disarm-request",
      "POST /api/strategies": "strategy.create",
      "POST /api/strategies/:id/start": "strategy.start",
      "POST /api/strategies/:id/stop": "strategy.stop",
      "PUT /api/strategies/:id/params": "strategy.set-params",
      "PUT /api/risk/state": "risk.set-state",
      "PUT /api/risk/limits": "risk.set-limits",
      "POST /api/users": "user.create",
      "PATCH /api/users/:id": "user.update",
      "PUT /api/notification-rules": "notification.set-rule",
      "PUT /api/notification-rules/:id": "notification.set-rule",
      "POST /api/telegram/link": "telegram.link",
      "DELETE /api/telegram/link": "telegram.unlink",
      "POST /api/push/subscriptions": "push.subscribe",
      "DELETE /api/push/subscriptions": "push.unsubscribe",
      "POST /api/backtests": "backtest.run",
      "DELETE /api/backtests/:id": "backtest.delete",
      "POST /api/optimizations": "optimization.run",
      "DELETE /api/optimizations/:id": "optimization.delete",
    });
  });

  it("audits no GET or HEAD route (their client address is read lazily, and Bun cannot name the peer after the answer)", () => {
    // client-ip.ts, requestOrigin: only state changes and upgrades have their address worked out before the answer.
    const audited = routes()
      .filter(({ route }) => routePolicy(route).audit !== undefined)
      .map(({ route }) => route.method);
    expect(audited.length).toBeGreaterThan(0);
    expect(audited.filter((method) => method === "GET" || method === "HEAD")).toEqual([]);
  });

  it("answers every private route without a token with 401 (or 422 for a malformed call) and asks no service", async () => {
    asked.length = 0;
    const answers: Record<string, number> = {};
    for (const { key, route } of routes()) {
      if (PUBLIC.has(key)) continue;
      const path = route.path.replace(":id", "x1");
      const res = await gateway.app.handle(
        new Request(`http://localhost${path}`, {
          method: route.method,
          headers: { "content-type": "application/json" },
          ...(route.method === "GET" ? {} : { body: "{}" }),
        }),
      );
      answers[key] = res.status;
    }
    // Bodies and query strings are checked before the token (Elysia validates first), as before the controllers.
    const refused = Object.entries(answers).filter(([, status]) => status === 401 || status === 422);
    expect(refused).toEqual(Object.entries(answers));
    expect(refused.filter(([, status]) => status === 401).length).toBeGreaterThan(refused.length / 2);
    expect(asked).toEqual([]);
  });

  it("finds a route that forgot its options (the checks above can fail)", () => {
    const auth = authPlugin({
      tokens: { authenticate: async () => null },
      limit: rateLimiter(new MemoryRateLimiter()),
      apiBucket: bucketFor("api", 10, 60_000),
      safetyBucket: bucketFor("safety", 10, 60_000),
      trustedProxies: new Set(),
      audit: auditTrail(new MemoryAuditLog(), silentLogger),
    });
    const app = new Elysia().use(
      new Elysia({ prefix: "/api/things" })
        .use(auth)
        .post("", () => "made", { role: { min: "trader", refusal: "viewers cannot make things" } })
        .put("/:id", () => "changed", { auth: true, audit: "thing.change" })
        .delete("/:id", () => "gone"),
    );
    const policy = Object.fromEntries(app.routes.map((route) => [`${route.method} ${route.path}`, routePolicy(route)]));
    expect(policy).toEqual({
      "POST /api/things": { token: true, audit: undefined },
      "PUT /api/things/:id": { token: true, audit: "thing.change" },
      "DELETE /api/things/:id": { token: false, audit: undefined },
    });
  });
});
