import type { RateLimiter, SlidingWindowSpec } from "@jts/contracts";
import type { Logger } from "@jts/kit";
import { KIS_REQUESTS_PER_SECOND, type KisSettings } from "./config.ts";
import { classify, KisError } from "./errors.ts";
import type { TokenSource } from "./token.ts";
import { admit, credentialTag, type Fetcher, realSleep, type Sleep } from "./transport.ts";
import type { KisEnvelope } from "./wire.ts";

/**
 * Requests are admitted by a sliding window slightly longer than KIS's one
 * second: a request admitted at t reaches KIS at t + network delay, and the
 * delay varies, so a window of exactly 1000 ms at the limiter could show 21
 * requests in some second at the venue. 50 ms of guard costs 5% of the budget.
 */
export const WINDOW_GUARD_MS = 50;

export function restLimits(env: KisSettings["env"]): SlidingWindowSpec[] {
  return [{ name: "rest", limit: KIS_REQUESTS_PER_SECOND[env], windowMs: 1000 + WINDOW_GUARD_MS }];
}

export interface KisRestOptions {
  settings: KisSettings;
  tokens: TokenSource;
  limiter: RateLimiter;
  logger: Logger;
  fetch?: Fetcher;
  sleep?: Sleep;
  /** Attempts after a rate-limit refusal (429 or EGW00201) before giving up. */
  maxRetries?: number;
  /** First back-off delay; doubles per attempt, capped at 5 s. */
  backoffMs?: number;
}

/**
 * The raw KIS REST client: documented headers, the per-app-key request budget
 * shared through the rate limiter port, back-off on 429/EGW00201, one token
 * refresh when KIS says the token expired.
 */
export class KisRest {
  private readonly fetch: Fetcher;
  private readonly sleep: Sleep;
  private readonly limiterKey: string;
  private readonly limits: SlidingWindowSpec[];

  constructor(private readonly options: KisRestOptions) {
    this.fetch = options.fetch ?? ((request) => fetch(request));
    this.sleep = options.sleep ?? realSleep;
    this.limiterKey = `kis:${options.settings.env}:${credentialTag(options.settings.appKey)}`;
    this.limits = restLimits(options.settings.env);
  }

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
    const maxRetries = this.options.maxRetries ?? 5;
    let delay = this.options.backoffMs ?? 250;
    let refreshedToken = false;
    for (let attempt = 0; ; attempt++) {
      // Token first: the gap between admission and arrival at KIS must stay small (see WINDOW_GUARD_MS).
      const token = await this.options.tokens.get();
      await admit(this.options.limiter, this.limiterKey, this.limits, this.sleep);
      const response = await this.fetch(this.request(method, path, trId, payload, token, trCont));
      const body = (await response.json().catch(() => ({}))) as Partial<KisEnvelope> & T;
      if (response.ok && body.rt_cd === "0") {
        const more = ["F", "M"].includes(response.headers.get("tr_cont") ?? "");
        return { body: body as T & KisEnvelope, more };
      }
      const code = body.msg_cd ?? `HTTP${response.status}`;
      const error = new KisError(
        code,
        body.msg1 ?? response.statusText,
        response.status,
        classify(response.status, code),
      );
      if (error.kind === "auth" && !refreshedToken) {
        refreshedToken = true;
        await this.options.tokens.invalidate(token);
        continue;
      }
      if (error.kind !== "retryable" || attempt >= maxRetries) throw error;
      const retryAfter = Number(response.headers.get("retry-after"));
      const wait = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : delay;
      this.options.logger.warn("KIS asked to slow down", { code, trId, attempt, waitMs: wait });
      await this.sleep(wait);
      delay = Math.min(delay * 2, 5000);
    }
  }

  private request(
    method: "GET" | "POST",
    path: string,
    trId: string,
    payload: Record<string, string>,
    token: string,
    trCont: string,
  ): Request {
    const { settings } = this.options;
    const headers = {
      "content-type": "application/json; charset=utf-8",
      authorization: `Bearer ${token}`,
      appkey: settings.appKey,
      appsecret: settings.appSecret,
      tr_id: trId,
      custtype: "P",
      tr_cont: trCont,
    };
    if (method === "GET") {
      const url = `${settings.restUrl}${path}?${new URLSearchParams(payload)}`;
      return new Request(url, { method, headers });
    }
    return new Request(`${settings.restUrl}${path}`, { method, headers, body: JSON.stringify(payload) });
  }
}
