import { jwt } from "@elysiajs/jwt";
import {
  type Alert,
  type AuditEntry,
  type AuditLog,
  EventTypes,
  nowNsString,
  Order,
  RpcReplies,
  type SlidingWindowSpec,
  StrategyCreate,
  Subjects,
  type Subscription,
  Topics,
} from "@jts/contracts";
import {
  AppError,
  createServiceApp,
  envelope,
  MemoryAuditLog,
  MetricsRegistry,
  newId,
  observeTradingMetrics,
  type ReadinessCheck,
  type Runtime,
  rpcClient,
  type Service,
  type SessionSchedule,
} from "@jts/kit";
import { DEFAULT_LOGIN_GUARD, LoginGuard } from "./auth/login-guard.ts";
import { bucketFor, rateLimitHeaders } from "./auth/rate-limit.ts";
import { clearedRefreshCookie, refreshCookie, refreshTokenFromCookie } from "./auth/refresh-cookie.ts";
import { isSafetyCall } from "./auth/safety.ts";
import { bearerToken, type JwtCodec, TokenService } from "./auth/tokens.ts";
import { UserStates } from "./auth/user-state.ts";
import type { AuthUser, UserDirectory } from "./auth/users.ts";
import { clientOrigin } from "./client-ip.ts";
import { DEFAULT_WS_CAPS, type GatewaySettings } from "./config.ts";
import { apiDocs } from "./docs.ts";
import { noPrototypeKeys } from "./json-body.ts";
import {
  CandlesQuery,
  IdParams,
  LoginBody,
  LogoutBody,
  NewUserBody,
  OrderRequest,
  OrdersQuery,
  PasswordChangeBody,
  RefreshBody,
  UserChangeBody,
} from "./model.ts";
import { ArmBody, accountRoutes, DisarmBody, EquityQuery } from "./routes/accounts.ts";
import { marketSessionRoutes } from "./routes/market-session.ts";
import { notificationRuleRoutes } from "./routes/notification-rules.ts";
import { AmendFields, CancelAllBody, orderActions } from "./routes/orders.ts";
import { RiskLimitsBody, RiskLimitsQueryString, RiskStateBody, riskRoutes } from "./routes/risk.ts";
import { StrategyParamsBody, strategyRoutes } from "./routes/strategies.ts";
import { security } from "./security.ts";
import { type WsConnection, WsHub } from "./ws/hub.ts";

/** Elysia's socket type omits Bun's getBufferedAmount, which the raw socket has at run time. */
const socketOf = (raw: unknown) => raw as WsConnection;

/** Request bodies are kept in the audit log unless they may carry a secret (tokens, passwords). */
const isAuditableBody = (body: unknown): body is Record<string, unknown> =>
  typeof body === "object" && body !== null && !Object.keys(body).some((key) => /password|token/i.test(key));

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
  "PATCH /api/users/:id": "user.update",
  "POST /api/auth/logout-all": "auth.logout-all",
  "PUT /api/auth/password": "auth.password-change",
  "POST /api/accounts/:id/arm": "account.arm-request",
  "POST /api/accounts/:id/disarm": "account.disarm-request",
  "PUT /api/notification-rules": "notification.set-rule",
  "PUT /api/notification-rules/:id": "notification.set-rule",
};

export interface GatewayOptions {
  /** Where state-changing calls are recorded; in memory when not given. */
  audit?: AuditLog;
  readiness?: Record<string, ReadinessCheck>;
  /** KRX's schedule with the configured holidays, for GET /api/market/sessions; no holidays when not given. */
  krxSessions?: SessionSchedule;
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
  const userStates = new UserStates(users, runtime.bus, logger);
  const tokens = new TokenService(codec, runtime.cache, settings.accessTtlSeconds, settings.refreshTtlSeconds, {
    users: userStates,
    sessionMaxSeconds: settings.sessionMaxSeconds,
  });
  const apiBucket = bucketFor("api", settings.rateLimit, settings.rateWindowMs);
  const loginBucket = bucketFor("login", settings.loginRateLimit, 60_000);
  const loginGuard = new LoginGuard(
    runtime.cache,
    {
      ...DEFAULT_LOGIN_GUARD,
      failuresPerAddress: settings.loginRateLimit,
      accountBaseDelayMs: settings.loginBackoffBaseMs ?? DEFAULT_LOGIN_GUARD.accountBaseDelayMs,
      accountSlowdownStepMs: settings.loginSlowdownStepMs ?? DEFAULT_LOGIN_GUARD.accountSlowdownStepMs,
      accountSlowdownMaxMs: settings.loginSlowdownMaxMs ?? DEFAULT_LOGIN_GUARD.accountSlowdownMaxMs,
    },
    (username, failures) => raiseLoginAlert(runtime, logger, username, failures),
  );
  const trustedProxies = settings.trustedProxies ?? new Set<string>();
  const wsCaps = { ...DEFAULT_WS_CAPS, ...settings.ws };
  const sha256 = (value: string) => new Bun.CryptoHasher("sha256").update(value).digest("hex");
  // HALT, cancel-all and disarm: never behind the ordinary bucket (auth/safety.ts).
  const safetyBucket = bucketFor("safety", settings.safetyRateLimit ?? 600, 60_000);
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
    isCurrent: (user) => tokens.isCurrent(user),
    accountsOf: async (user) => (await accountsOf(user)) ?? null,
    maxChannels: wsCaps.maxChannels,
    preAuthFrameBytes: wsCaps.preAuthFrameBytes,
    accountsRefreshMs: wsCaps.accountsRefreshMs,
    maxSocketsPerUser: wsCaps.maxSocketsPerUser,
    maxUnauthenticatedPerAddress: wsCaps.maxUnauthenticatedPerAddress,
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
  const origin = (request: Request, client: { ip: string }) => ({
    sourceIp: client.ip,
    userAgent: request.headers.get("user-agent")?.slice(0, 256) ?? null,
  });

  const app = createServiceApp({
    name: "api-gateway",
    logger,
    readiness: options.readiness,
    metrics,
    plane: "public",
    maxWsFrameBytes: wsCaps.maxFrameBytes,
  })
    .use(security(settings.corsOrigins))
    .use(noPrototypeKeys())
    .use(apiDocs())
    // Who is calling, once per request and before the answer is sent (the server is gone by
    // onAfterResponse): the peer, or what a trusted proxy says the client is.
    .derive(({ request, server }) => ({ client: clientOrigin(request, server, trustedProxies) }))
    .ws("/ws", {
      idleTimeout: 60,
      // The address derived for the upgrade request (a trusted proxy's X-Forwarded-For, else the peer).
      open: (ws) => {
        hub.open(socketOf(ws.raw), (ws.data as { client?: { ip: string } }).client?.ip);
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
      async ({ body, set, request, client, requestId }) => {
        // Only wrong passwords count: per address, per (account, address), and per account as a slowdown (see LoginGuard).
        await loginGuard.check(client.ip, body.username, set.headers);
        const user = await users.verify(body.username, body.password);
        const where = { ...origin(request, client), requestId };
        if (!user) {
          await loginGuard.failed(client.ip, body.username);
          logger.warn("login failed", { username: body.username, ip: client.ip });
          await record({ actor: body.username, action: "auth.login", ...where, details: { outcome: "refused" } });
          throw new AppError("UNAUTHORIZED", "wrong username or password");
        }
        await loginGuard.succeeded(client.ip, user.username);
        await record({ actor: user.username, action: "auth.login", ...where, details: { outcome: "ok" } });
        const pair = await tokens.issue(user.username, user.role, user.tokenVersion);
        if (body.refreshTokenIn !== "cookie") return pair;
        set.headers["set-cookie"] = refreshCookie(pair.refreshToken, settings.refreshTtlSeconds, client.secure);
        return { accessToken: pair.accessToken, expiresIn: pair.expiresIn };
      },
      {
        body: LoginBody,
        detail: {
          security: [],
          description:
            'Answers an access token and, by default, the refresh token in the body (API clients). With `refreshTokenIn: "cookie"` (browsers) the refresh token is set only as the HttpOnly, SameSite=Strict `jts_refresh` cookie on /api/auth. Wrong passwords are braked per client address (LOGIN_RATE_LIMIT per minute) and per account and address (a doubling wait after 5); failures on an account from all addresses only slow its logins (never refuse them) and raise an alert; correct ones are never counted.',
        },
      },
    )
    .post(
      "/api/auth/refresh",
      async ({ body, set, headers, client }) => {
        // The body's token (API clients) wins; a browser's is in the HttpOnly cookie and is answered the same way.
        const fromCookie = body?.refreshToken ? undefined : refreshTokenFromCookie(headers.cookie);
        const token = body?.refreshToken ?? fromCookie;
        // Per token, so garbage from one client never blocks another's refresh; per address, so nobody sprays.
        await limit(`refresh-ip:${client.ip}`, apiBucket, set);
        if (!token) throw new AppError("UNAUTHORIZED", "no refresh token (body or cookie)");
        await limit(`refresh:${sha256(token)}`, loginBucket, set);
        const pair = await tokens.refresh(token).catch((error: unknown) => {
          if (fromCookie) set.headers["set-cookie"] = clearedRefreshCookie(client.secure);
          throw error;
        });
        if (!fromCookie) return pair;
        set.headers["set-cookie"] = refreshCookie(pair.refreshToken, settings.refreshTtlSeconds, client.secure);
        return { accessToken: pair.accessToken, expiresIn: pair.expiresIn };
      },
      {
        body: RefreshBody,
        detail: {
          security: [],
          description:
            "Rotates the refresh token: from the body `{refreshToken}` (answered in the body) or, with no body token, from the `jts_refresh` cookie (answered as a new cookie; the body then has no refresh token). Limited per token and per client address.",
        },
      },
    )
    // Every route below needs a valid access token and counts against the user's rate limit.
    .resolve(async ({ headers, set, request, path, body, client }) => {
      const user = await tokens.authenticate(bearerToken(headers.authorization));
      if (!user) {
        // Before login the limit is per address, so token guessing costs the same as anything else.
        await limit(`ip:${client.ip}`, apiBucket, set);
        throw new AppError("UNAUTHORIZED", "missing, invalid or expired access token");
      }
      if (isSafetyCall(request.method, path, body)) await limit(`safety:${user.username}`, safetyBucket, set);
      else await limit(`user:${user.username}`, apiBucket, set);
      return { user };
    })
    // Every state-changing call below is recorded: who, what, when, from where, and how it ended.
    .onAfterResponse(({ request, route, user, set, params, body, requestId, client }) => {
      if (request.method === "GET" || !user) return;
      const key = `${request.method} ${route}`;
      void record({
        actor: user.username,
        action: AUDIT_ACTIONS[key] ?? key,
        target: (params as Record<string, string> | undefined)?.id ?? null,
        ...origin(request, client),
        requestId,
        details: { status: Number(set.status ?? 200), ...(isAuditableBody(body) ? { request: body } : {}) },
      });
    })
    .post(
      "/api/auth/logout",
      async ({ user, body, headers, set, client }) => {
        // The session the access token belongs to ends, body or not: its refresh tokens and every access token.
        await tokens.endSession(user);
        if (user.sid) hub.revokeSession(user.sid); // open sockets of this session close now, not at expiry
        const refreshToken = body?.refreshToken ?? refreshTokenFromCookie(headers.cookie);
        if (refreshToken) await tokens.revokeRefresh(refreshToken);
        set.headers["set-cookie"] = clearedRefreshCookie(client.secure);
        return { loggedOut: true };
      },
      { body: LogoutBody },
    )
    // Every session of the caller ends, on every device.
    .post("/api/auth/logout-all", async ({ user }) => {
      await userStates.update(user.username, {});
      return { loggedOut: true };
    })
    .put(
      "/api/auth/password",
      async ({ user, body, set }) => {
        // A stolen access token must not become a password oracle: guesses cost what login guesses cost.
        await limit(`password:${user.username}`, loginBucket, set);
        // 403, not 401: the session is fine, and a client must not take this for a logout.
        if (!(await users.verify(user.username, body.currentPassword)))
          throw forbidden("the current password is wrong");
        await userStates.update(user.username, { password: body.newPassword });
        return { changed: true };
      },
      { body: PasswordChangeBody },
    )
    .use(marketSessionRoutes(options.krxSessions))
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
        let account = body.account ?? accounts?.[0];
        if (accounts && (!account || !accounts.includes(account)))
          throw forbidden(`no access to account ${account ?? "(none)"}`);
        if (body.strategyId !== undefined) account = await strategies.checkOrderTag(body.strategyId, account);
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
      {
        params: IdParams,
        response: RpcReplies[Subjects.orderCancel],
        detail: {
          description:
            "Cancels the order and answers it (200). An order still OUTCOME_UNKNOWN (its place may yet reach the venue) that the venue does not have yet is answered as it stands, status OUTCOME_UNKNOWN: its cancel is pending and is sent the moment the venue turns out to have it (the OMS's lookup or a late ack), so it never goes live; it ends CANCELED, or REJECTED if the venue never got it. 409 when the order is closed already or the venue refuses the cancel.",
        },
      },
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
    .patch(
      "/api/users/:id",
      async ({ user, params, body }) => {
        if (user.role !== "admin") throw forbidden("only an admin manages users");
        const updated = await userStates.update(params.id, body);
        return { username: updated.username, role: updated.role, disabled: updated.disabled };
      },
      { params: IdParams, body: UserChangeBody },
    )
    .get("/api/alerts", async ({ user }) => call(Subjects.alertList, { accounts: await accountsOf(user) }), {
      response: RpcReplies[Subjects.alertList],
    })
    .use(notificationRuleRoutes({ call, userExists: async (name) => (await userStates.get(name)) !== null }));

  return {
    name: "api-gateway",
    app,
    hub,
    tokens,
    audit,
    async start() {
      userStates.onChange((username) => hub.revokeUser(username));
      await userStates.start();
      await hub.start();
      observers = await observeTradingMetrics(runtime.bus, metrics);
    },
    async stop() {
      await Promise.all(observers.splice(0).map((s) => s.unsubscribe()));
      await hub.stop();
      await userStates.stop();
    },
  } satisfies Service & { hub: WsHub; tokens: TokenService; audit: AuditLog };
}

export type App = ReturnType<typeof createGatewayService>["app"];

/**
 * An account's wrong passwords from all addresses passed the free ones: tell the
 * operator. The alert is platform-wide (every user sees those), so it does not
 * name the account; the log and the audit log (auth.login, refused) do.
 */
async function raiseLoginAlert(runtime: Runtime, logger: Runtime["logger"], username: string, failures: number) {
  logger.warn("account under login attack: logins on it are slowed", { username, failures });
  const alert: Alert = {
    id: newId(),
    severity: "WARNING",
    kind: "SYSTEM",
    title: "Repeated failed logins",
    message: `${failures} wrong passwords for one user account within an hour; its logins are slowed (never refused from other addresses). The audit log (auth.login, refused) names the account and the addresses.`,
    account: null,
    tsEvent: nowNsString(),
  };
  await runtime.bus
    .publish(Topics.alert, envelope(EventTypes.alert, "api-gateway", "platform", alert))
    .catch((error: unknown) => logger.warn("could not publish the login alert", { error }));
}
