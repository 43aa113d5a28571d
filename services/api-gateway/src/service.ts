import { jwt } from "@elysiajs/jwt";
import {
  type Alert,
  type AuditLog,
  type DocumentStore,
  EventTypes,
  nowNsString,
  Subjects,
  type Subscription,
  Topics,
} from "@jts/contracts";
import {
  createServiceApp,
  envelope,
  MemoryAuditLog,
  MemoryDocumentStore,
  MetricsRegistry,
  newId,
  observeTradingMetrics,
  type ReadinessCheck,
  type Runtime,
  rpcClient,
  type Service,
  type SessionSchedule,
  serve,
} from "@jts/kit";
import { auditTrail } from "./audit-trail.ts";
import { DEFAULT_LOGIN_GUARD, LoginGuard } from "./auth/login-guard.ts";
import { authPlugin } from "./auth/plugin.ts";
import { bucketFor, rateLimiter } from "./auth/rate-limit.ts";
import type { JwtCodec } from "./auth/tokens.ts";
import { TokenService } from "./auth/tokens.ts";
import { UserStates } from "./auth/user-state.ts";
import type { AuthUser, UserDirectory } from "./auth/users.ts";
import { BacktestJobs, type BacktestJobsOptions } from "./backtests/jobs.ts";
import { OptimizationJobs, type OptimizationJobsOptions } from "./backtests/optimizations.ts";
import { DEFAULT_WS_CAPS, type GatewaySettings } from "./config.ts";
import { apiDocs } from "./docs.ts";
import { noPrototypeKeys } from "./json-body.ts";
import { accountRoutes } from "./routes/accounts.ts";
import { alertRoutes } from "./routes/alerts.ts";
import { authRoutes } from "./routes/auth.ts";
import { backtestRoutes } from "./routes/backtests.ts";
import type { RouteContext } from "./routes/context.ts";
import { marketRoutes } from "./routes/market.ts";
import { marketSessionRoutes } from "./routes/market-session.ts";
import { notificationRuleRoutes } from "./routes/notification-rules.ts";
import { optimizationRoutes } from "./routes/optimizations.ts";
import { orderRoutes } from "./routes/orders.ts";
import { portfolioRoutes } from "./routes/portfolio.ts";
import { pushRoutes } from "./routes/push.ts";
import { riskRoutes } from "./routes/risk.ts";
import { strategyRoutes } from "./routes/strategies.ts";
import { telegramRoutes } from "./routes/telegram.ts";
import { userRoutes } from "./routes/users.ts";
import { wsRoutes } from "./routes/ws.ts";
import { security } from "./security.ts";
import { WsHub } from "./ws/hub.ts";

export interface GatewayOptions {
  /** Where state-changing calls are recorded; in memory when not given. */
  audit?: AuditLog;
  readiness?: Record<string, ReadinessCheck>;
  /** KRX's schedule with the configured holidays (the one risk trades by), for the PWA's session badge. */
  krxSessions?: SessionSchedule;
  /** Where PWA backtests are kept per user (the platform's document store); in memory when not given. */
  documents?: DocumentStore;
  /** Backtest concurrency and how a run starts (tests); see backtests/jobs.ts. */
  backtests?: Partial<Omit<BacktestJobsOptions, "documents" | "bus" | "logger">>;
  /** Optimization concurrency, worker threads, caps and how a run starts (tests); see backtests/optimizations.ts. */
  optimizations?: Partial<Omit<OptimizationJobsOptions, "documents" | "bus" | "logger">>;
}

/**
 * The only door from outside: authentication, per-user rate limits, account
 * scoping, the audit log, the /ws hub, and typed calls to the services over
 * the rpc port. The routes are one controller per feature (routes/*.ts), each
 * behind the auth plugin (auth/plugin.ts); README.md maps them.
 */
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
  const wsCaps = { ...DEFAULT_WS_CAPS, ...settings.ws };
  // HALT, cancel-all and disarm: never behind the ordinary bucket (auth/safety.ts).
  const safetyBucket = bucketFor("safety", settings.safetyRateLimit ?? 600, 60_000);
  const limit = rateLimiter(runtime.limiter);
  const { call } = rpcClient(runtime.rpc, settings.rpcTimeoutMs);

  /** The account ids a user may see; undefined means all (admin). */
  const accountsOf = async (user: AuthUser): Promise<string[] | undefined> => {
    if (user.role === "admin") return undefined;
    const accounts = await call(Subjects.accounts, { owner: user.username });
    return accounts.map((a) => a.id);
  };

  const backtests = new BacktestJobs({
    documents: options.documents ?? new MemoryDocumentStore(),
    bus: runtime.bus,
    logger,
    ...options.backtests,
  });
  const optimizations = new OptimizationJobs({
    documents: options.documents ?? new MemoryDocumentStore(),
    bus: runtime.bus,
    logger,
    ...options.optimizations,
  });
  const hub = new WsHub(runtime.bus, rpcClient(runtime.rpc, settings.rpcTimeoutMs), logger, {
    authenticate: (token) => tokens.authenticate(token),
    isCurrent: (user) => tokens.isCurrent(user),
    accountsOf: async (user) => (await accountsOf(user)) ?? null,
    maxChannels: wsCaps.maxChannels,
    preAuthFrameBytes: wsCaps.preAuthFrameBytes,
    accountsRefreshMs: wsCaps.accountsRefreshMs,
    maxSocketsPerUser: wsCaps.maxSocketsPerUser,
    maxUnauthenticatedPerAddress: wsCaps.maxUnauthenticatedPerAddress,
    // Optimizations report their progress on the same channel (their ids never meet a backtest's).
    backtestOf: (username, id) => backtests.progressOf(username, id) ?? optimizations.progressOf(username, id),
  });

  // The gateway sees every event already: the platform's trading metrics are read off the
  // bus here (services/kit/src/trading-metrics.ts), beside the WebSocket client count.
  const metrics = new MetricsRegistry();
  const wsClients = metrics.gauge("jts_ws_clients", "WebSocket clients connected to the gateway");
  wsClients.set(0);
  let observers: Subscription[] = [];

  const audit = options.audit ?? new MemoryAuditLog();
  const trail = auditTrail(audit, logger);
  const auth = authPlugin({
    tokens,
    limit,
    apiBucket,
    safetyBucket,
    trustedProxies: settings.trustedProxies ?? new Set<string>(),
    audit: trail,
  });
  const routes: RouteContext = { auth, call, accountsOf };

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
    .use(wsRoutes(routes, hub, (sockets) => wsClients.set(sockets)))
    .use(
      authRoutes(routes, {
        users,
        userStates,
        tokens,
        loginGuard,
        limit,
        apiBucket,
        loginBucket,
        refreshTtlSeconds: settings.refreshTtlSeconds,
        audit: trail,
        logger,
        revokeSession: (sid) => hub.revokeSession(sid),
      }),
    )
    .use(marketRoutes(routes))
    .use(marketSessionRoutes(routes, options.krxSessions))
    .use(orderRoutes(routes))
    .use(portfolioRoutes(routes))
    .use(accountRoutes(routes))
    .use(strategyRoutes(routes))
    .use(riskRoutes(routes))
    .use(userRoutes(routes, { users, userStates }))
    .use(alertRoutes(routes))
    .use(notificationRuleRoutes(routes, { userExists: async (name) => (await userStates.get(name)) !== null }))
    .use(telegramRoutes(routes))
    .use(pushRoutes(routes))
    .use(backtestRoutes(routes, backtests))
    .use(optimizationRoutes(routes, optimizations));

  return {
    name: "api-gateway",
    app,
    hub,
    tokens,
    audit,
    backtests,
    optimizations,
    async start() {
      await backtests.load();
      await optimizations.load();
      userStates.onChange((username) => hub.revokeUser(username));
      await userStates.start();
      await hub.start();
      observers = await observeTradingMetrics(runtime.bus, metrics);
      // Other services (the Telegram bot) ask a user's rights now, not what a code or link remembered.
      observers.push(
        await serve(runtime.rpc, Subjects.userState, async ({ username }) => {
          const state = await userStates.get(username);
          return state ? { role: state.role, disabled: state.disabled } : null;
        }),
      );
    },
    async stop() {
      backtests.stop();
      optimizations.stop();
      await Promise.all(observers.splice(0).map((s) => s.unsubscribe()));
      await hub.stop();
      await userStates.stop();
    },
  } satisfies Service & {
    hub: WsHub;
    tokens: TokenService;
    audit: AuditLog;
    backtests: BacktestJobs;
    optimizations: OptimizationJobs;
  };
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
