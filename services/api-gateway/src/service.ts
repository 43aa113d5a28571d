import { jwt } from "@elysiajs/jwt";
import {
  type AuditEntry,
  type AuditLog,
  Order,
  RpcReplies,
  type SlidingWindowSpec,
  StrategyCreate,
  Subjects,
  type Subscription,
} from "@jts/contracts";
import {
  AppError,
  createServiceApp,
  MemoryAuditLog,
  MetricsRegistry,
  observeTradingMetrics,
  type ReadinessCheck,
  type Runtime,
  rpcClient,
  type Service,
} from "@jts/kit";
import { bucketFor, rateLimitHeaders } from "./auth/rate-limit.ts";
import { bearerToken, type JwtCodec, TokenService } from "./auth/tokens.ts";
import type { AuthUser, UserDirectory } from "./auth/users.ts";
import type { GatewaySettings } from "./config.ts";
import { apiDocs } from "./docs.ts";
import {
  CandlesQuery,
  IdParams,
  LoginBody,
  LogoutBody,
  NewUserBody,
  OrderRequest,
  OrdersQuery,
  RefreshBody,
} from "./model.ts";
import { ArmBody, accountRoutes, DisarmBody, EquityQuery } from "./routes/accounts.ts";
import { AmendFields, CancelAllBody, orderActions } from "./routes/orders.ts";
import { RiskLimitsBody, RiskLimitsQueryString, RiskStateBody, riskRoutes } from "./routes/risk.ts";
import { StrategyParamsBody, strategyRoutes } from "./routes/strategies.ts";
import { security } from "./security.ts";
import { type WsConnection, WsHub } from "./ws/hub.ts";

/** Elysia's socket type omits Bun's getBufferedAmount, which the raw socket has at run time. */
const socketOf = (raw: unknown) => raw as WsConnection;

/** Request bodies are kept in the audit log unless they may carry a secret (tokens, passwords). */
const isAuditableBody = (body: unknown): body is Record<string, unknown> =>
  typeof body === "object" && body !== null && !("password" in body) && !("refreshToken" in body);

const forbidden = (message: string) => new AppError("FORBIDDEN", message);

/**
 * The only door from outside: authentication, per-user rate limits, account
 * scoping, and typed calls to the services over the rpc port.
 */
/** What state-changing routes are called in the audit log. */
const AUDIT_ACTIONS: Record<string, string> = {
  "POST /api/auth/logout": "auth.logout",
  "POST /api/orders": "order.submit",
  "DELETE /api/orders/:id": "order.cancel",
  "POST /api/orders/cancel-all": "order.cancel-all",
  "PATCH /api/orders/:id": "order.amend",
  "POST /api/strategies/:id/start": "strategy.start",
  "POST /api/strategies/:id/stop": "strategy.stop",
  "POST /api/strategies": "strategy.create",
  "PUT /api/strategies/:id/params": "strategy.set-params",
  "PUT /api/risk/state": "risk.set-state",
  "PUT /api/risk/limits": "risk.set-limits",
  "POST /api/users": "user.create",
  "POST /api/accounts/:id/arm": "account.arm-request",
  "POST /api/accounts/:id/disarm": "account.disarm-request",
};

export interface GatewayOptions {
  /** Where state-changing calls are recorded; in memory when not given. */
  audit?: AuditLog;
  readiness?: Record<string, ReadinessCheck>;
}

export function createGatewayService(
  runtime: Runtime,
  users: UserDirectory,
  settings: GatewaySettings,
  options: GatewayOptions = {},
) {
  const logger = runtime.logger.child({ service: "api-gateway" });
  const jwtPlugin = jwt({ name: "jwt", secret: settings.jwtSecret });
  const codec = (jwtPlugin.decorator as unknown as { jwt: JwtCodec }).jwt;
  const tokens = new TokenService(codec, runtime.cache, settings.accessTtlSeconds, settings.refreshTtlSeconds);
  const apiBucket = bucketFor("api", settings.rateLimit, settings.rateWindowMs);
  const loginBucket = bucketFor("login", settings.loginRateLimit, 60_000);
  const { call } = rpcClient(runtime.rpc, settings.rpcTimeoutMs);

  /** The account ids a user may see; undefined means all (admin). */
  const accountsOf = async (user: AuthUser): Promise<string[] | undefined> => {
    if (user.role === "admin") return undefined;
    const accounts = await call(Subjects.accounts, { owner: user.username });
    return accounts.map((a) => a.id);
  };

  const limit = async (key: string, bucket: SlidingWindowSpec, set: { headers: Record<string, string | number> }) => {
    const decision = await runtime.limiter.take(key, [bucket]);
    const headers = rateLimitHeaders(decision, bucket);
    Object.assign(set.headers, headers);
    if (!decision.allowed) {
      throw new AppError(
        "RATE_LIMITED",
        `rate limit of ${decision.limit} requests exceeded; retry in ${headers["retry-after"]} s`,
      );
    }
  };

  const strategies = strategyRoutes(call, accountsOf);
  const accountApi = accountRoutes({ call, accountsOf });
  const risk = riskRoutes(call, accountsOf);
  const orders = orderActions({ call, accountsOf });

  const hub = new WsHub(runtime.bus, rpcClient(runtime.rpc, settings.rpcTimeoutMs), logger, {
    authenticate: (token) => tokens.authenticate(token),
    accountsOf: async (user) => (await accountsOf(user)) ?? null,
  });

  // The gateway sees every event already: the platform's trading metrics are read off the
  // bus here (services/kit/src/trading-metrics.ts), beside the WebSocket client count.
  const metrics = new MetricsRegistry();
  const wsClients = metrics.gauge("jts_ws_clients", "WebSocket clients connected to the gateway");
  wsClients.set(0);
  let observers: Subscription[] = [];

  const audit = options.audit ?? new MemoryAuditLog();
  const record = (entry: AuditEntry) =>
    audit.record(entry).catch((error: unknown) => logger.error("audit write failed", { error, action: entry.action }));
  const origin = (request: Request, server: { requestIP(r: Request): { address: string } | null } | null) => ({
    sourceIp: server?.requestIP(request)?.address ?? null,
    userAgent: request.headers.get("user-agent")?.slice(0, 256) ?? null,
  });

  const app = createServiceApp({ name: "api-gateway", logger, readiness: options.readiness, metrics })
    .use(security(settings.corsOrigins))
    .use(apiDocs())
    .ws("/ws", {
      idleTimeout: 60,
      open: (ws) => {
        hub.open(socketOf(ws.raw));
        wsClients.set(hub.size);
      },
      message: (ws, message) => hub.message(socketOf(ws.raw), message),
      drain: (ws) => hub.drain(socketOf(ws.raw)),
      close: (ws) => {
        hub.close(socketOf(ws.raw));
        wsClients.set(hub.size);
      },
    })
    .post(
      "/api/auth/login",
      async ({ body, set, request, server, requestId }) => {
        const ip = server?.requestIP(request)?.address ?? "local";
        await limit(`login:${ip}:${body.username}`, loginBucket, set);
        const user = await users.verify(body.username, body.password);
        const where = { ...origin(request, server), requestId };
        if (!user) {
          logger.warn("login failed", { username: body.username, ip });
          await record({ actor: body.username, action: "auth.login", ...where, details: { outcome: "refused" } });
          throw new AppError("UNAUTHORIZED", "wrong username or password");
        }
        await record({ actor: user.username, action: "auth.login", ...where, details: { outcome: "ok" } });
        return tokens.issue(user.username, user.role);
      },
      { body: LoginBody, detail: { security: [] } },
    )
    .post(
      "/api/auth/refresh",
      async ({ body, set, request, server }) => {
        await limit(`refresh:${server?.requestIP(request)?.address ?? "local"}`, loginBucket, set);
        return tokens.refresh(body.refreshToken);
      },
      { body: RefreshBody, detail: { security: [] } },
    )
    // Every route below needs a valid access token and counts against the user's rate limit.
    .resolve(async ({ headers, set, request, server }) => {
      const user = await tokens.authenticate(bearerToken(headers.authorization));
      if (!user) {
        // Before login the limit is per address, so token guessing costs the same as anything else.
        await limit(`ip:${server?.requestIP(request)?.address ?? "local"}`, apiBucket, set);
        throw new AppError("UNAUTHORIZED", "missing, invalid or expired access token");
      }
      await limit(`user:${user.username}`, apiBucket, set);
      return { user };
    })
    // Every state-changing call below is recorded: who, what, when, from where, and how it ended.
    .onAfterResponse(({ request, route, user, set, params, body, requestId, server }) => {
      if (request.method === "GET" || !user) return;
      const key = `${request.method} ${route}`;
      void record({
        actor: user.username,
        action: AUDIT_ACTIONS[key] ?? key,
        target: (params as Record<string, string> | undefined)?.id ?? null,
        ...origin(request, server),
        requestId,
        details: { status: Number(set.status ?? 200), ...(isAuditableBody(body) ? { request: body } : {}) },
      });
    })
    .post(
      "/api/auth/logout",
      async ({ user, body }) => {
        await tokens.deny(user);
        hub.revokeToken(user.jti); // open sockets of this token close now, not at expiry
        if (body?.refreshToken) await tokens.revokeRefresh(body.refreshToken);
        return { loggedOut: true };
      },
      { body: LogoutBody },
    )
    .get("/api/instruments", () => call(Subjects.instruments), { response: RpcReplies[Subjects.instruments] })
    .get("/api/prices", () => call(Subjects.prices), { response: RpcReplies[Subjects.prices] })
    .get("/api/candles", ({ query }) => call(Subjects.candles, query), {
      query: CandlesQuery,
      response: RpcReplies[Subjects.candles],
    })
    .post(
      "/api/orders",
      async ({ user, body, set }) => {
        if (user.role === "viewer") throw forbidden("viewers cannot trade");
        const accounts = await accountsOf(user);
        const account = body.account ?? accounts?.[0];
        if (accounts && (!account || !accounts.includes(account)))
          throw forbidden(`no access to account ${account ?? "(none)"}`);
        const { order, created } = await call(Subjects.orderSubmit, {
          ...body,
          ...(account ? { account } : {}),
        });
        set.status = created ? 201 : 200;
        return order;
      },
      { body: OrderRequest, response: { 200: Order, 201: Order } },
    )
    .get(
      "/api/orders",
      async ({ user, query }) => call(Subjects.orderList, { ...query, accounts: await accountsOf(user) }),
      { query: OrdersQuery, response: RpcReplies[Subjects.orderList] },
    )
    .get(
      "/api/orders/:id",
      async ({ user, params }) => call(Subjects.orderGet, { orderId: params.id, accounts: await accountsOf(user) }),
      { params: IdParams, response: RpcReplies[Subjects.orderGet] },
    )
    .delete(
      "/api/orders/:id",
      async ({ user, params }) => {
        if (user.role === "viewer") throw forbidden("viewers cannot cancel orders");
        return call(Subjects.orderCancel, { orderId: params.id, accounts: await accountsOf(user) });
      },
      { params: IdParams, response: RpcReplies[Subjects.orderCancel] },
    )
    .post("/api/orders/cancel-all", ({ user, body }) => orders.cancelAll(user, body), {
      body: CancelAllBody,
      response: RpcReplies[Subjects.orderCancelAll],
    })
    .patch("/api/orders/:id", ({ user, params, body }) => orders.amend(user, params.id, body), {
      params: IdParams,
      body: AmendFields,
      response: RpcReplies[Subjects.orderAmend],
    })
    .get("/api/fills", async ({ user }) => call(Subjects.fillList, { accounts: await accountsOf(user) }), {
      response: RpcReplies[Subjects.fillList],
    })
    .get("/api/positions", async ({ user }) => call(Subjects.positions, { accounts: await accountsOf(user) }), {
      response: RpcReplies[Subjects.positions],
    })
    .get("/api/accounts", async ({ user }) => call(Subjects.accounts, { accounts: await accountsOf(user) }), {
      response: RpcReplies[Subjects.accounts],
    })
    .post("/api/accounts/:id/arm", ({ user, params, body }) => accountApi.arm(user, params.id, body), {
      params: IdParams,
      body: ArmBody,
      response: RpcReplies[Subjects.accountArm],
    })
    .post("/api/accounts/:id/disarm", ({ user, params, body }) => accountApi.disarm(user, params.id, body), {
      params: IdParams,
      body: DisarmBody,
      response: RpcReplies[Subjects.accountDisarm],
    })
    .get("/api/portfolio/equity", ({ user, query }) => accountApi.equity(user, query), {
      query: EquityQuery,
      response: RpcReplies[Subjects.equity],
    })
    .get("/api/strategies", ({ user }) => strategies.list(user), { response: RpcReplies[Subjects.strategyList] })
    .get("/api/strategies/kinds", () => strategies.kinds(), { response: RpcReplies[Subjects.strategyKinds] })
    .post("/api/strategies", ({ user, body }) => strategies.create(user, body), {
      body: StrategyCreate,
      response: RpcReplies[Subjects.strategyCreate],
    })
    .post("/api/strategies/:id/start", ({ user, params }) => strategies.start(user, params.id), {
      params: IdParams,
      response: RpcReplies[Subjects.strategyStart],
    })
    .post("/api/strategies/:id/stop", ({ user, params }) => strategies.stop(user, params.id), {
      params: IdParams,
      response: RpcReplies[Subjects.strategyStop],
    })
    .put("/api/strategies/:id/params", ({ user, params, body }) => strategies.setParams(user, params.id, body.params), {
      params: IdParams,
      body: StrategyParamsBody,
      response: RpcReplies[Subjects.strategySetParams],
    })
    .get("/api/risk", ({ user }) => risk.status(user), { response: RpcReplies[Subjects.riskStatus] })
    .put("/api/risk/state", ({ user, body }) => risk.setState(user, body), {
      body: RiskStateBody,
      response: RpcReplies[Subjects.riskSetState],
    })
    .get("/api/risk/limits", ({ user, query }) => risk.limits(user, query.account), {
      query: RiskLimitsQueryString,
      response: RpcReplies[Subjects.riskLimitsGet],
    })
    .put("/api/risk/limits", ({ user, body }) => risk.setLimits(user, body), {
      body: RiskLimitsBody,
      response: RpcReplies[Subjects.riskSetLimits],
    })
    .post(
      "/api/users",
      async ({ user, body, set }) => {
        if (user.role !== "admin") throw forbidden("only an admin manages users");
        const created = await users.add(body.username, body.password, body.role);
        set.status = 201;
        return { username: created.username, role: created.role };
      },
      { body: NewUserBody },
    )
    .get("/api/alerts", async ({ user }) => call(Subjects.alertList, { accounts: await accountsOf(user) }), {
      response: RpcReplies[Subjects.alertList],
    });

  return {
    name: "api-gateway",
    app,
    hub,
    tokens,
    audit,
    async start() {
      await hub.start();
      observers = await observeTradingMetrics(runtime.bus, metrics);
    },
    async stop() {
      await Promise.all(observers.splice(0).map((s) => s.unsubscribe()));
      await hub.stop();
    },
  } satisfies Service & { hub: WsHub; tokens: TokenService; audit: AuditLog };
}

export type App = ReturnType<typeof createGatewayService>["app"];
