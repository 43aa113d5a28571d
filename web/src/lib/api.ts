/**
 * The PWA's only door to the gateway. Routes the gateway already serves go
 * through Eden Treaty typed by the gateway's exported `App`, so an API change
 * breaks `tsc -p web`, not the trader. Routes agreed but not yet served by
 * every gateway (cancel-all, limits per account, strategy params, arming,
 * equity) go through `request` with the agreed shapes, and a 404 from them
 * becomes `NotAvailableError` so screens can say so instead of failing.
 */
import { treaty } from "@elysiajs/eden";
import type { App } from "@jts/api-gateway";
import type {
  Account,
  Alert,
  Candle,
  CandleInterval,
  ErrorBody,
  Fill,
  Instrument,
  LastPrice,
  Order,
  OrderRequest,
  Position,
  RiskLimits,
  RiskStatus,
  StrategyStatus,
  TradingState,
} from "@jts/contracts";
import { createSignal } from "solid-js";

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

/** The gateway answered 404 for a route this screen needs: it is not deployed there yet. */
export class NotAvailableError extends ApiError {
  override name = "NotAvailableError";
}

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

const ACCESS_KEY = "jts.accessToken";
const REFRESH_KEY = "jts.refreshToken";
const EXPIRES_KEY = "jts.accessExpiresAt";
const ROLE_KEY = "jts.role";
/** Refresh this long before the access token expires, so no request ever carries a dead one. */
const REFRESH_MARGIN_MS = 60_000;

// sessionStorage: tokens die with the tab, and never sit in localStorage for other tabs to read.
const [accessToken, setAccessToken] = createSignal<string | null>(sessionStorage.getItem(ACCESS_KEY));
const [role, setRole] = createSignal<string | null>(sessionStorage.getItem(ROLE_KEY));

export { accessToken, role };

/** The role claim of a JWT, for showing or hiding controls (the gateway enforces it anyway). */
function roleOf(token: string): string | null {
  try {
    const payload = token.split(".")[1] ?? "";
    const json = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/"))) as { role?: unknown };
    return typeof json.role === "string" ? json.role : null;
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
  sessionStorage.setItem(ACCESS_KEY, tokens.accessToken);
  sessionStorage.setItem(REFRESH_KEY, tokens.refreshToken);
  sessionStorage.setItem(EXPIRES_KEY, String(Date.now() + tokens.expiresIn * 1000));
  const claim = roleOf(tokens.accessToken);
  if (claim) sessionStorage.setItem(ROLE_KEY, claim);
  setRole(claim);
  setAccessToken(tokens.accessToken);
  scheduleRefresh();
}

export function clearSession(): void {
  clearTimeout(refreshTimer);
  for (const key of [ACCESS_KEY, REFRESH_KEY, EXPIRES_KEY, ROLE_KEY]) sessionStorage.removeItem(key);
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
  const make = (code: string, message: string, details?: unknown) =>
    status === 404 && code !== "ORDER_NOT_FOUND"
      ? new NotAvailableError(status, code, message, details)
      : new ApiError(status, code, message, details);
  if (isErrorBody(body)) return make(String(body.error.code), String(body.error.message), body.error.details);
  const text = typeof body === "string" ? body.slice(0, 200) : "";
  return make(`HTTP_${status}`, text || fallback);
}

let refreshing: Promise<boolean> | null = null;

/** Trades the refresh token for a new pair once, however many callers hit a 401 at the same time. */
export function refreshSession(): Promise<boolean> {
  refreshing ??= (async () => {
    const refreshToken = sessionStorage.getItem(REFRESH_KEY);
    if (!refreshToken) return false;
    const response = await fetch("/api/auth/refresh", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ refreshToken }),
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

/** For routes outside the Eden type (agreed, not yet on every gateway). */
export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await authedFetch(`/api${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON (a proxy's HTML page): kept as text for the error message.
  }
  if (!response.ok) throw errorFrom(response.status, parsed, response.statusText);
  return parsed as T;
}

export async function login(username: string, password: string): Promise<void> {
  // The route's declared responses include the error body; unwrap already threw on that one.
  storeTokens((await unwrap(gateway.api.auth.login.post({ username, password }))) as Tokens);
}

export async function logout(): Promise<void> {
  try {
    const refreshToken = sessionStorage.getItem(REFRESH_KEY);
    await unwrap(gateway.api.auth.logout.post(refreshToken ? { refreshToken } : {}));
  } catch {
    // Logging out offline still forgets the session here; the token expires on its own.
  } finally {
    clearSession();
  }
}

// Routes on every gateway: typed by Eden.
export const getInstruments = (): Promise<Instrument[]> => unwrap(gateway.api.instruments.get());
export const getPrices = (): Promise<LastPrice[]> => unwrap(gateway.api.prices.get());
export const getCandles = (symbol: string, interval: CandleInterval, limit = 300): Promise<Candle[]> =>
  unwrap(gateway.api.candles.get({ query: { symbol, interval, limit } }));
export const getOrders = (): Promise<Order[]> => unwrap(gateway.api.orders.get({ query: {} }));
export const getFills = (): Promise<Fill[]> => unwrap(gateway.api.fills.get());
export const getPositions = (): Promise<Position[]> => unwrap(gateway.api.positions.get());
export const getAccounts = (): Promise<AccountView[]> => unwrap(gateway.api.accounts.get());
export const getAlerts = (): Promise<Alert[]> => unwrap(gateway.api.alerts.get());
export const getStrategies = (): Promise<StrategyView[]> => unwrap(gateway.api.strategies.get());
export const getRisk = (): Promise<RiskView> => unwrap(gateway.api.risk.get());
export const placeOrder = (order: OrderRequest): Promise<Order> => unwrap(gateway.api.orders.post(order));
export const cancelOrder = (id: string): Promise<Order> => unwrap(gateway.api.orders({ id }).delete());
export const startStrategy = (id: string): Promise<StrategyStatus> =>
  unwrap(gateway.api.strategies({ id }).start.post());
export const stopStrategy = (id: string): Promise<StrategyStatus> => unwrap(gateway.api.strategies({ id }).stop.post());

export interface SetStateInput {
  state: TradingState;
  reason?: string;
  account?: string;
  cancelOpenOrders?: boolean;
}
/** The kill switch (HALTED) and resuming; account scope and cancelling are the agreed extension. */
export const setTradingState = (input: SetStateInput): Promise<RiskView> => request("PUT", "/risk/state", input);

// Agreed shapes, not on every gateway yet (NotAvailableError on 404).

/** Accounts as the agreed route lists them: `mode` arrives with live arming. */
export type AccountView = Account & { mode?: "PAPER" | "LIVE" };

/** A strategy's own book as the strategy engine reports it (issue 8): decimal strings. */
export interface StrategyPnlView {
  position: string;
  realizedPnl: string;
  unrealizedPnl: string;
  fees: string;
  /** realized + unrealized - fees. */
  netPnl: string;
}
/** Strategies with their P&L and timeframe where the engine reports them (absent on older gateways). */
export type StrategyView = StrategyStatus & { pnl?: StrategyPnlView; config: { timeframe?: string } };

export interface AccountRiskView {
  account: string;
  state: TradingState;
  reason?: string;
  limits?: RiskLimits | null;
  dailyPnl?: string;
  drawdown?: string;
}
/** Platform state, and per-account states when the gateway reports them. */
export type RiskView = RiskStatus & { accounts?: AccountRiskView[] };

export interface EquityPoint {
  account: string;
  currency: string;
  equity: string;
  ts: string;
}

/** Cancel-replace: the answer is the replacement order; the old one ends CANCELED. */
export const amendOrder = (
  id: string,
  changes: { quantity?: string; price?: string; stopPrice?: string },
): Promise<Order> => request("PATCH", `/orders/${encodeURIComponent(id)}`, changes);
export const cancelAllOrders = (scope: { account?: string; symbol?: string }): Promise<{ canceled: Order[] }> =>
  request("POST", "/orders/cancel-all", scope);
export const getRiskLimits = (account?: string): Promise<unknown> =>
  request("GET", `/risk/limits${account ? `?account=${encodeURIComponent(account)}` : ""}`);
export async function setRiskLimits(input: { account?: string; limits: RiskLimits }): Promise<unknown> {
  try {
    return await request("PUT", "/risk/limits", input);
  } catch (error) {
    // A gateway from before per-account limits takes the bare platform limits object instead.
    if (error instanceof ApiError && error.status === 422 && !input.account) {
      return request("PUT", "/risk/limits", input.limits);
    }
    throw error;
  }
}
export const setStrategyParams = (id: string, params: Record<string, unknown>): Promise<StrategyView> =>
  request("PUT", `/strategies/${encodeURIComponent(id)}/params`, { params });
export const armAccount = (id: string): Promise<AccountView> =>
  request("POST", `/accounts/${encodeURIComponent(id)}/arm`, { confirm: id });
export const disarmAccount = (id: string): Promise<AccountView> =>
  request("POST", `/accounts/${encodeURIComponent(id)}/disarm`);
export const getEquity = (account?: string): Promise<EquityPoint[]> =>
  request("GET", `/portfolio/equity${account ? `?account=${encodeURIComponent(account)}` : ""}`);

/** A message for the UI from anything a call may throw. */
export function messageOf(error: unknown, fallback = "Request failed"): string {
  if (typeof navigator !== "undefined" && !navigator.onLine) return "offline: no network connection";
  return error instanceof Error ? error.message : fallback;
}
