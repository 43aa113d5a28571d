import type { ErrorBody, Instrument, LastPrice, Order, OrderRequest, Position } from "@jts/contracts";
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

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

const BASE = "/api";
const ACCESS_KEY = "jts.accessToken";
const REFRESH_KEY = "jts.refreshToken";

// sessionStorage: tokens die with the tab, and never sit in localStorage for other tabs to read.
const [accessToken, setAccessToken] = createSignal<string | null>(sessionStorage.getItem(ACCESS_KEY));

export { accessToken };

function storeTokens(tokens: Pick<Tokens, "accessToken" | "refreshToken">): void {
  sessionStorage.setItem(ACCESS_KEY, tokens.accessToken);
  sessionStorage.setItem(REFRESH_KEY, tokens.refreshToken);
  setAccessToken(tokens.accessToken);
}

export function clearSession(): void {
  sessionStorage.removeItem(ACCESS_KEY);
  sessionStorage.removeItem(REFRESH_KEY);
  setAccessToken(null);
}

function isErrorBody(body: unknown): body is ErrorBody {
  if (typeof body !== "object" || body === null || !("error" in body)) return false;
  const error = (body as { error: unknown }).error;
  return typeof error === "object" && error !== null && "code" in error && "message" in error;
}

async function toApiError(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => "");
  try {
    const body: unknown = JSON.parse(text);
    if (isErrorBody(body)) {
      return new ApiError(response.status, String(body.error.code), String(body.error.message), body.error.details);
    }
  } catch {
    // Not JSON (a proxy's HTML page, an empty body): fall through to the status line.
  }
  return new ApiError(response.status, `HTTP_${response.status}`, text.slice(0, 200) || response.statusText);
}

interface RequestOptions {
  body?: unknown;
  auth?: boolean;
}

async function send(method: string, path: string, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const token = accessToken();
  if (options.auth !== false && token) headers.authorization = `Bearer ${token}`;
  try {
    return await fetch(`${BASE}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch (error) {
    throw new ApiError(0, "NETWORK", error instanceof Error ? error.message : "network error");
  }
}

let refreshing: Promise<boolean> | null = null;

/** Trades the refresh token for a new pair once, however many callers hit a 401 at the same time. */
export function refreshSession(): Promise<boolean> {
  refreshing ??= (async () => {
    const refreshToken = sessionStorage.getItem(REFRESH_KEY);
    if (!refreshToken) return false;
    const response = await send("POST", "/auth/refresh", { body: { refreshToken }, auth: false }).catch(() => null);
    if (!response?.ok) {
      // A network failure keeps the session; a refusal ends it.
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

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  let response = await send(method, path, options);
  if (response.status === 401 && options.auth !== false && (await refreshSession())) {
    response = await send(method, path, options);
  }
  if (!response.ok) {
    const error = await toApiError(response);
    if (error.status === 401 && options.auth !== false) clearSession();
    throw error;
  }
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export async function login(username: string, password: string): Promise<void> {
  storeTokens(await request<Tokens>("POST", "/auth/login", { body: { username, password }, auth: false }));
}

export async function logout(): Promise<void> {
  try {
    const refreshToken = sessionStorage.getItem(REFRESH_KEY);
    await request<unknown>("POST", "/auth/logout", { body: refreshToken ? { refreshToken } : {} });
  } finally {
    clearSession();
  }
}

export const getInstruments = () => request<Instrument[]>("GET", "/instruments");
export const getPrices = () => request<LastPrice[]>("GET", "/prices");
export const getPositions = () => request<Position[]>("GET", "/positions");
export const getOrders = () => request<Order[]>("GET", "/orders");
export const placeOrder = (order: OrderRequest) => request<Order>("POST", "/orders", { body: order });
