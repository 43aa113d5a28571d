import {
  type Cost,
  credentialTag,
  type HttpDateClock,
  RateGate,
  VenueError,
  type VenueErrorKind,
  VenueHttpClient,
  type VenueHttpOptions,
  type VenueMetrics,
} from "@jts/broker-kit";
import type { Cache, RateLimiter } from "@jts/contracts";
import type { Logger } from "@jts/kit";
import type { TokenSource } from "./auth.ts";
import type { KisSettings } from "./config.ts";
import { AUTH_CODES, KIS_VENUE, kisLimits, RATE_LIMIT_CODE, TOKEN_THROTTLED_CODE } from "./constants.ts";
import type { KisEnvelope } from "./parse.ts";

interface KisErrorBody {
  rt_cd?: string;
  msg_cd?: string;
  msg1?: string;
  /** The oauth2 endpoints answer in this shape instead. */
  error_code?: string;
  error_description?: string;
}

/**
 * KIS answers errors as `{rt_cd: "1", msg_cd, msg1}` (oauth2: `{error_code,
 * error_description}`), mostly with HTTP 500. The kind says what the caller
 * may do: EGW00201 is a rate-limit refusal (paused and retried like a 429),
 * EGW00133 a token throttle to wait out, any other coded answer below 502 a
 * refusal (nothing was done); 502+ keeps the kit's reading by status.
 */
export function kisErrorOf(status: number, body: unknown): { code?: string; message: string; kind?: VenueErrorKind } {
  const error = typeof body === "object" && body !== null ? (body as KisErrorBody) : {};
  const code = error.msg_cd ?? error.error_code;
  const message = `${code ?? `HTTP${status}`}: ${error.msg1 ?? error.error_description ?? `HTTP ${status}`}`;
  if (code === RATE_LIMIT_CODE) return { code, message, kind: "rate-limited" };
  if (code === TOKEN_THROTTLED_CODE) return { code, message, kind: "unavailable" };
  if (code !== undefined && status < 502) return { code, message, kind: "rejected" };
  return { code, message };
}

/** KIS refuses business requests (a quantity it cannot take) with HTTP 200 and rt_cd "1". */
export function refusalOf(status: number, body: unknown): VenueError {
  const { code, message } = kisErrorOf(status, body);
  return new VenueError(KIS_VENUE, "rejected", message, { status, code });
}

export function isAuthError(error: unknown): error is VenueError {
  return error instanceof VenueError && AUTH_CODES.has(String(error.details.code));
}

const REST_COST: readonly Cost[] = [{ group: "rest" }];
/** Token and approval-key calls have their own limit (one a minute, see token.ts), not the request budget. */
export const OAUTH_COST: readonly Cost[] = [];

export interface KisHttpOptions {
  settings: KisSettings;
  limiter: RateLimiter;
  /** Shares a pause KIS asked for (429, EGW00201) with the other replicas. */
  cache?: Cache;
  logger?: Logger;
  fetch?: VenueHttpOptions["fetch"];
  sleep?: (ms: number) => Promise<void>;
  /** Attempts after a rate-limit refusal (429 or EGW00201) before giving up. */
  retries?: number;
  /** First back-off delay when KIS names none; doubles per attempt, capped at 5 s. */
  backoffMs?: number;
  /** Counts the gate's pauses (jts_rate_limit_pauses_total). */
  metrics?: VenueMetrics;
  /** Reads KIS's clock off every answer's Date header (KIS has no time endpoint). */
  dateClock?: HttpDateClock;
}

/**
 * KIS's HTTP on the kit: its request budget in the shared limiter per
 * environment and app key, KIS's error bodies read by `kisErrorOf`, so
 * EGW00201 backs off and retries like a 429 (Retry-After or doubling from
 * 250 ms, 5 retries).
 */
export function kisHttp(options: KisHttpOptions): VenueHttpClient {
  const { settings } = options;
  const tag = `${settings.env}:${credentialTag(settings.appKey)}`;
  const gate = new RateGate(options.limiter, {
    venue: KIS_VENUE,
    limits: kisLimits(settings.env),
    accountId: tag,
    // KIS counts per app key, not per IP: a pause it asks for holds for this key only.
    ipId: tag,
    cache: options.cache,
    sleep: options.sleep,
    metrics: options.metrics,
  });
  return new VenueHttpClient({
    venue: KIS_VENUE,
    baseUrl: settings.restUrl,
    gate,
    errorOf: kisErrorOf,
    defaultBackoffMs: options.backoffMs ?? 250,
    backoffFactor: 2,
    maxBackoffMs: 5_000,
    retries: options.retries ?? 5,
    fetch: options.fetch,
    logger: options.logger,
    dateClock: options.dateClock,
  });
}

export interface KisRestOptions {
  settings: KisSettings;
  http: VenueHttpClient;
  tokens: TokenSource;
  logger: Logger;
}

/**
 * The KIS REST calls: documented headers, paging with tr_cont, one token
 * refresh when KIS says the token expired, HTTP 200 refusals (rt_cd "1") as
 * `rejected` VenueErrors.
 */
export class KisRest {
  constructor(private readonly options: KisRestOptions) {}

  async get<T>(path: string, trId: string, query: Record<string, string>): Promise<T & KisEnvelope> {
    return (await this.call<T>("GET", path, trId, query)).body;
  }

  /**
   * Every page of a list inquiry: KIS answers tr_cont F or M while more pages
   * follow (100 rows live, 15 paper) and takes the next page with tr_cont N and
   * the continuation keys of the previous answer.
   */
  async getAllPages<Row>(path: string, trId: string, query: Record<string, string>, maxPages = 20): Promise<Row[]> {
    const rows: Row[] = [];
    let next = { ...query };
    let trCont = "";
    for (let page = 0; page < maxPages; page++) {
      const { body, more } = await this.call<{ output1?: Row[]; ctx_area_fk100?: string; ctx_area_nk100?: string }>(
        "GET",
        path,
        trId,
        next,
        trCont,
      );
      rows.push(...(body.output1 ?? []));
      if (!more) return rows;
      trCont = "N";
      next = { ...next, CTX_AREA_FK100: body.ctx_area_fk100 ?? "", CTX_AREA_NK100: body.ctx_area_nk100 ?? "" };
    }
    this.options.logger.warn("KIS list inquiry cut at the page limit", { path, maxPages });
    return rows;
  }

  async post<T>(path: string, trId: string, body: Record<string, string>): Promise<T & KisEnvelope> {
    return (await this.call<T>("POST", path, trId, body)).body;
  }

  private async call<T>(
    method: "GET" | "POST",
    path: string,
    trId: string,
    payload: Record<string, string>,
    trCont = "",
  ): Promise<{ body: T & KisEnvelope; more: boolean }> {
    for (let refreshed = false; ; refreshed = true) {
      // Token first: the gap between admission and arrival at KIS must stay small (see WINDOW_GUARD_MS).
      const token = await this.options.tokens.get();
      try {
        const { body, headers } = await this.options.http.exchange<T & KisEnvelope>({
          method,
          path,
          query: method === "GET" ? payload : undefined,
          body: method === "POST" ? payload : undefined,
          costs: REST_COST,
          headers: this.headers(token, trId, trCont),
        });
        if (body?.rt_cd !== "0") throw refusalOf(200, body);
        return { body, more: ["F", "M"].includes(headers.get("tr_cont") ?? "") };
      } catch (error) {
        if (!isAuthError(error) || refreshed) throw error;
        await this.options.tokens.invalidate(token);
      }
    }
  }

  private headers(token: string, trId: string, trCont: string): Record<string, string> {
    const { settings } = this.options;
    return {
      "content-type": "application/json; charset=utf-8",
      authorization: `Bearer ${token}`,
      appkey: settings.appKey,
      appsecret: settings.appSecret,
      tr_id: trId,
      custtype: "P",
      tr_cont: trCont,
    };
  }
}
