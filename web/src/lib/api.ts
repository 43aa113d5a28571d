/**
 * The PWA's only door to the gateway: every route goes through Eden Treaty
 * typed by the gateway's exported `App`, so an API change breaks
 * `tsc -p web`, not the trader.
 */
import { treaty } from "@elysiajs/eden";
import type { App } from "@jts/api-gateway";
import type {
  Account,
  Alert,
  AmendFields,
  BacktestRequest,
  CancelAllReply,
  Candle,
  CandleInterval,
  EquitySnapshot,
  ErrorBody,
  Fill,
  Instrument,
  LastPrice,
  NotificationRule,
  NotificationRuleView,
  OptimizationRequest,
  Order,
  OrderRequest,
  Position,
  PushSubscriptionBody,
  RiskLimitsPatch,
  RiskStatus,
  StrategyCreate,
  StrategyKindInfo,
  StrategyParams,
  StrategyStatus,
  TradingState,
} from "@jts/contracts";
import { createSignal } from "solid-js";
import { forgetAll, rememberFor } from "./cache.ts";

/** Gateway error as thrown by every call here: the `{ error: { code, message, details } }` body. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/**
 * What login and refresh answer the app. The refresh token is not among them: the
 * gateway keeps it in an HttpOnly cookie on /api/auth that no script here can read.
 */
export interface Tokens {
  accessToken: string;
  expiresIn: number;
}

const ACCESS_KEY = "jts.accessToken";
const EXPIRES_KEY = "jts.accessExpiresAt";
const ROLE_KEY = "jts.role";
const USER_KEY = "jts.user";
/** Where versions before the cookie kept the refresh token; removed on sight. */
const LEGACY_REFRESH_KEY = "jts.refreshToken";
/** Refresh this long before the access token expires, so no request ever carries a dead one. */
const REFRESH_MARGIN_MS = 60_000;

// sessionStorage: the access token dies with the tab, and never sits in localStorage for other tabs to read.
sessionStorage.removeItem(LEGACY_REFRESH_KEY);
const [accessToken, setAccessToken] = createSignal<string | null>(sessionStorage.getItem(ACCESS_KEY));
const [role, setRole] = createSignal<string | null>(sessionStorage.getItem(ROLE_KEY));
// No session in this tab: no account data may be left from an earlier one (a closed tab, an old version).
if (accessToken()) rememberFor(sessionStorage.getItem(USER_KEY));
else forgetAll();

export { accessToken, role };

/** A string claim of a JWT, for display and for whose cache to use (the gateway enforces everything). */
function claimOf(token: string, name: "role" | "sub"): string | null {
  try {
    const payload = token.split(".")[1] ?? "";
    const json = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/"))) as Record<string, unknown>;
    const value = json[name];
    return typeof value === "string" ? value : null;
  } catch {
    return null;
  }
}

let refreshTimer: ReturnType<typeof setTimeout> | undefined;

function scheduleRefresh(): void {
  clearTimeout(refreshTimer);
  const expiresAt = Number(sessionStorage.getItem(EXPIRES_KEY) ?? 0);
  if (!expiresAt) return;
  const wait = Math.max(1_000, expiresAt - Date.now() - REFRESH_MARGIN_MS);
  refreshTimer = setTimeout(() => void refreshSession(), wait);
}

function storeTokens(tokens: Tokens): void {
  const user = claimOf(tokens.accessToken, "sub");
  // Another user in this tab: nothing of the previous one's may show.
  if (user !== sessionStorage.getItem(USER_KEY)) forgetAll();
  sessionStorage.setItem(ACCESS_KEY, tokens.accessToken);
  sessionStorage.setItem(EXPIRES_KEY, String(Date.now() + tokens.expiresIn * 1000));
  if (user) sessionStorage.setItem(USER_KEY, user);
  rememberFor(user);
  const claim = claimOf(tokens.accessToken, "role");
  if (claim) sessionStorage.setItem(ROLE_KEY, claim);
  setRole(claim);
  setAccessToken(tokens.accessToken);
  scheduleRefresh();
}

/** The session is over (logout, refused refresh, expiry): its tokens and every remembered account datum go. */
export function clearSession(): void {
  clearTimeout(refreshTimer);
  for (const key of [ACCESS_KEY, EXPIRES_KEY, ROLE_KEY, USER_KEY, LEGACY_REFRESH_KEY]) sessionStorage.removeItem(key);
  forgetAll();
  rememberFor(null);
  setAccessToken(null);
  setRole(null);
}

if (accessToken()) scheduleRefresh();

function isErrorBody(body: unknown): body is ErrorBody {
  if (typeof body !== "object" || body === null || !("error" in body)) return false;
  const error = (body as { error: unknown }).error;
  return typeof error === "object" && error !== null && "code" in error && "message" in error;
}

function errorFrom(status: number, body: unknown, fallback: string): ApiError {
  if (isErrorBody(body))
    return new ApiError(status, String(body.error.code), String(body.error.message), body.error.details);
  // Not the gateway's error body (a proxy's HTML page): its text, cut short, is the message.
  const text = typeof body === "string" ? body.slice(0, 200) : "";
  return new ApiError(status, `HTTP_${status}`, text || fallback);
}

let refreshing: Promise<boolean> | null = null;

/**
 * Trades the refresh cookie for a new access token (and a rotated cookie) once,
 * however many callers hit a 401 at the same time. Only for a session this tab
 * has: the cookie is shared by the browser's tabs, a signed-out tab stays out.
 */
export function refreshSession(): Promise<boolean> {
  refreshing ??= (async () => {
    if (!sessionStorage.getItem(ACCESS_KEY)) return false;
    const response = await fetch("/api/auth/refresh", {
      method: "POST",
      headers: { accept: "application/json" },
      credentials: "same-origin",
    }).catch(() => null);
    if (!response?.ok) {
      // A network failure keeps the session (offline is not logged out); a refusal ends it.
      if (response) clearSession();
      return false;
    }
    storeTokens((await response.json()) as Tokens);
    return true;
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/** fetch with the access token, one refresh-and-retry on 401, and network failures as ApiError. */
async function authedFetch(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
  const attempt = () => {
    const headers = new Headers(init.headers);
    headers.set("accept", "application/json");
    const token = accessToken();
    if (token) headers.set("authorization", `Bearer ${token}`);
    return fetch(input, { ...init, headers });
  };
  try {
    let response = await attempt();
    if (response.status === 401 && (await refreshSession())) response = await attempt();
    if (response.status === 401) clearSession();
    return response;
  } catch (error) {
    throw new ApiError(0, "NETWORK", error instanceof Error ? error.message : "network error");
  }
}

const origin = typeof location === "undefined" ? "http://localhost" : location.origin;
/** The typed client of the gateway's routes (Eden Treaty over `App`). */
export const gateway = treaty<App>(origin, { fetcher: authedFetch as typeof fetch });

/** Eden's `{ data, error, status }` as a value or a thrown ApiError. */
async function unwrap<T>(
  call: Promise<{ data: T; error: null } | { data: null; error: { status: unknown; value: unknown } }>,
): Promise<NonNullable<T>> {
  const result = await call;
  if (result.error) {
    const status = Number(result.error.status) || 0;
    throw errorFrom(status, result.error.value, `request failed (${status})`);
  }
  return result.data as NonNullable<T>;
}

export async function login(username: string, password: string): Promise<void> {
  // The route's declared responses include the error body; unwrap already threw on that one.
  // "cookie": the refresh token goes into the HttpOnly cookie only, never into this page.
  storeTokens((await unwrap(gateway.api.auth.login.post({ username, password, refreshTokenIn: "cookie" }))) as Tokens);
}

export async function logout(): Promise<void> {
  try {
    // The refresh cookie travels with it (Path=/api/auth): the gateway revokes it and clears the cookie.
    await unwrap(gateway.api.auth.logout.post({}));
  } catch {
    // Logging out offline still forgets the session here; the token expires on its own.
  } finally {
    clearSession();
  }
}

// Every route, typed by Eden: the return types below are the contracts' schemas the gateway
// declares as each route's response, so a change on either side fails `tsc -p web`.
export const getInstruments = (): Promise<Instrument[]> => unwrap(gateway.api.instruments.get());
export const getPrices = (): Promise<LastPrice[]> => unwrap(gateway.api.prices.get());
/** The newest `limit` candles, or with `to` (ns, inclusive) the newest at or before it: a page back in history. */
export const getCandles = (symbol: string, interval: CandleInterval, limit = 300, to?: string): Promise<Candle[]> =>
  unwrap(gateway.api.candles.get({ query: { symbol, interval, limit, ...(to ? { to } : {}) } }));
/** KRX's session state now (pre-open, continuous, closing auction, closed, holiday), from the gateway's schedule. */
export const getMarketSessions = () => unwrap(gateway.api.market.sessions.get());
const ORDER_PAGE = 500;
/** The newest 500 orders (the gateway's default page; the history shows 100); older ones page with `before`. */
export const getOrders = (): Promise<Order[]> => unwrap(gateway.api.orders.get({ query: {} }));
/** Statuses of an order still working: the blotter must show (and may cancel) them however old they are. */
const WORKING = ["NEW", "ACCEPTED", "PARTIALLY_FILLED", "OUTCOME_UNKNOWN"] as const;
/**
 * Every working order, paged through with `before` (`<createdAt>:<id>` of the last one), so a
 * GTC order older than the newest 500 stays on the blotter.
 */
export const getWorkingOrders = async (): Promise<Order[]> => {
  const working = await Promise.all(
    WORKING.map(async (status) => {
      const orders: Order[] = [];
      for (let before: string | undefined; ; ) {
        const page = await unwrap(
          gateway.api.orders.get({ query: { status, limit: ORDER_PAGE, ...(before ? { before } : {}) } }),
        );
        orders.push(...page);
        const last = page.at(-1);
        if (!last || page.length < ORDER_PAGE) return orders;
        before = `${last.createdAt}:${last.id}`;
      }
    }),
  );
  return working.flat();
};
export const getFills = (): Promise<Fill[]> => unwrap(gateway.api.fills.get());
export const getPositions = (): Promise<Position[]> => unwrap(gateway.api.positions.get());
export const getAlerts = (): Promise<Alert[]> => unwrap(gateway.api.alerts.get());

// Orders.
export const placeOrder = (order: OrderRequest): Promise<Order> => unwrap(gateway.api.orders.post(order));
export const cancelOrder = (id: string): Promise<Order> => unwrap(gateway.api.orders({ id }).delete());
/** Cancel-replace: the answer is the replacement order; the old one ends CANCELED. */
export const amendOrder = (id: string, changes: AmendFields): Promise<Order> =>
  unwrap(gateway.api.orders({ id }).patch(changes));
/** Every open order in scope (all the caller may touch when the scope is empty). */
export const cancelAllOrders = (scope: { account?: string; symbol?: string }): Promise<CancelAllReply> =>
  unwrap(gateway.api.orders["cancel-all"].post(scope));

// Accounts.
export const getAccounts = (): Promise<Account[]> => unwrap(gateway.api.accounts.get());
/** Live trading for an account (admin): `confirm` is the account id typed back by the user. */
export const armAccount = (id: string, confirm: string): Promise<Account> =>
  unwrap(gateway.api.accounts({ id }).arm.post({ confirm }));
export const disarmAccount = (id: string): Promise<Account> => unwrap(gateway.api.accounts({ id }).disarm.post({}));
export const getEquity = (account?: string): Promise<EquitySnapshot[]> =>
  unwrap(gateway.api.portfolio.equity.get({ query: account ? { account } : {} }));

// Strategies.
export const getStrategies = (): Promise<StrategyStatus[]> => unwrap(gateway.api.strategies.get());
export const getStrategyKinds = (): Promise<StrategyKindInfo[]> => unwrap(gateway.api.strategies.kinds.get());
export const createStrategy = (definition: StrategyCreate): Promise<StrategyStatus> =>
  unwrap(gateway.api.strategies.post(definition));
export const startStrategy = (id: string): Promise<StrategyStatus> =>
  unwrap(gateway.api.strategies({ id }).start.post());
export const stopStrategy = (id: string): Promise<StrategyStatus> => unwrap(gateway.api.strategies({ id }).stop.post());
/** Checked by the strategy kind's schema on the server: a 400 lists the reasons. */
export const setStrategyParams = (id: string, params: StrategyParams): Promise<StrategyStatus> =>
  unwrap(gateway.api.strategies({ id }).params.put({ params }));

// Notification rules: the caller's own (which alert kinds go to which channels, quiet hours).
export const getNotificationRule = (): Promise<NotificationRuleView> => unwrap(gateway.api["notification-rules"].get());
/** `version` is the one read (0 when there was none): the gateway answers 409 when someone saved in between. */
export const setNotificationRule = (version: number, rule: NotificationRule): Promise<NotificationRuleView> =>
  unwrap(gateway.api["notification-rules"].put({ version, rule }));

// Web Push: the VAPID key to subscribe with, and the caller's own browser subscriptions (src/lib/push.ts).
export const getPushKey = () => unwrap(gateway.api.push["vapid-public-key"].get());
export const savePushSubscription = (subscription: PushSubscriptionBody) =>
  unwrap(gateway.api.push.subscriptions.post(subscription));
export const deletePushSubscription = (endpoint: string) => unwrap(gateway.api.push.subscriptions.delete({ endpoint }));

// Risk.
export const getRisk = (): Promise<RiskStatus> => unwrap(gateway.api.risk.get());
/** The kill switch (HALTED), reduce-only and resuming; for the platform or, with `account`, one account. */
export const setTradingState = (input: {
  state: TradingState;
  account?: string;
  reason?: string;
  cancelOpenOrders?: boolean;
}): Promise<RiskStatus> => unwrap(gateway.api.risk.state.put(input));
/** Merges `limits` into the platform defaults or, with `account`, that account's override (admin). */
export const setRiskLimits = (input: { account?: string; limits: RiskLimitsPatch }): Promise<RiskStatus> =>
  unwrap(gateway.api.risk.limits.put(input));

/** A message for the UI from anything a call may throw. */
export function messageOf(error: unknown, fallback = "Request failed"): string {
  if (typeof navigator !== "undefined" && !navigator.onLine) return "offline: no network connection";
  return error instanceof Error ? error.message : fallback;
}

// Backtests (the Backtests screen): queued by POST, progress on /ws `backtest:<id>`.
export const getBacktests = () => unwrap(gateway.api.backtests.get());
export const getBacktest = (id: string) => unwrap(gateway.api.backtests({ id }).get());
export const runBacktest = (request: BacktestRequest) => unwrap(gateway.api.backtests.post(request));
export const deleteBacktest = (id: string) => unwrap(gateway.api.backtests({ id }).delete());

// Optimizations (the Optimize screen): queued by POST, progress on /ws `backtest:<id>` like a backtest's.
export const getOptimizations = () => unwrap(gateway.api.optimizations.get());
export const getOptimization = (id: string) => unwrap(gateway.api.optimizations({ id }).get());
export const runOptimizationRequest = (request: OptimizationRequest) => unwrap(gateway.api.optimizations.post(request));
export const deleteOptimization = (id: string) => unwrap(gateway.api.optimizations({ id }).delete());
