import {
  type HttpDateClock,
  type QueryValue,
  type RateGate,
  requireCredentials,
  VenueHttpClient,
} from "@jts/broker-kit";
import type { Logger } from "@jts/kit";
import { hashableQuery, upbitToken } from "./auth.ts";
import { UPBIT_VENUE } from "./constants.ts";
import type { UpbitAccount, UpbitCandle, UpbitMarket, UpbitOrder } from "./parse.ts";

export interface UpbitRestOptions {
  baseUrl: string;
  accessKey?: string;
  secretKey?: string;
  gate: RateGate;
  logger?: Logger;
  /** Reads Upbit's clock off every answer's Date header. */
  dateClock?: HttpDateClock;
}

/** `Remaining-Req: group=default; min=1800; sec=29` -> { group, sec }. */
export function parseRemainingReq(header: string | null): { group: string; sec: number } | null {
  if (!header) return null;
  const group = /group=([^;]+)/.exec(header)?.[1]?.trim();
  const sec = /sec=(\d+)/.exec(header)?.[1];
  return group && sec !== undefined ? { group, sec: Number(sec) } : null;
}

/**
 * The Upbit REST endpoints JTS uses. Quotation calls cost their IP group;
 * exchange calls cost the account's `order`, `order-cancel-all` or `default`
 * group and carry a JWT whose query_hash covers exactly the parameters sent.
 */
export class UpbitRest {
  readonly http: VenueHttpClient;
  /** The venue's last word on what is left this second, per group. */
  readonly remaining = new Map<string, number>();

  constructor(private readonly options: UpbitRestOptions) {
    this.http = new VenueHttpClient({
      venue: UPBIT_VENUE,
      baseUrl: options.baseUrl,
      gate: options.gate,
      logger: options.logger,
      dateClock: options.dateClock,
      // 418 answers carry the block time in the body, not Retry-After: wait a while before anything else.
      defaultBackoffMs: 1_000,
      sign: (request) => {
        const { UPBIT_ACCESS_KEY: accessKey, UPBIT_SECRET_KEY: secretKey } = requireCredentials(UPBIT_VENUE, {
          UPBIT_ACCESS_KEY: this.options.accessKey,
          UPBIT_SECRET_KEY: this.options.secretKey,
        });
        const params = request.bodyText
          ? hashableQuery(JSON.parse(request.bodyText) as Record<string, QueryValue>)
          : decodeURIComponent(request.queryString);
        request.headers.Authorization = `Bearer ${upbitToken(accessKey, secretKey, params)}`;
      },
      onUsage: (headers) => {
        const remaining = parseRemainingReq(headers.get("remaining-req"));
        if (remaining) this.remaining.set(remaining.group, remaining.sec);
      },
      errorOf: (status, body) => {
        const error = (body as { error?: { name?: string; message?: string } } | null)?.error;
        return { code: error?.name, message: error?.message ?? error?.name ?? `HTTP ${status}` };
      },
    });
  }

  markets(): Promise<UpbitMarket[]> {
    return this.http.request({ method: "GET", path: "/v1/market/all", costs: [{ group: "market" }] });
  }

  /** Newest first, at most 200, ending before `to` (ISO UTC). `unit` minutes, or "days". */
  candles(market: string, unit: number | "days", to: string, count = 200): Promise<UpbitCandle[]> {
    return this.http.request({
      method: "GET",
      path: unit === "days" ? "/v1/candles/days" : `/v1/candles/minutes/${unit}`,
      query: { market, to, count },
      costs: [{ group: "candle" }],
    });
  }

  placeOrder(body: Record<string, string>): Promise<UpbitOrder> {
    return this.http.request({ method: "POST", path: "/v1/orders", body, costs: [{ group: "order" }], signed: true });
  }

  cancelOrder(identifier: string): Promise<UpbitOrder> {
    return this.http.request({
      method: "DELETE",
      path: "/v1/order",
      query: { identifier },
      costs: [{ group: "default" }],
      signed: true,
    });
  }

  getOrder(ids: { identifier?: string; uuid?: string }): Promise<UpbitOrder> {
    return this.http.request({
      method: "GET",
      path: "/v1/order",
      query: ids.uuid ? { uuid: ids.uuid } : { identifier: ids.identifier },
      costs: [{ group: "default" }],
      signed: true,
    });
  }

  openOrders(market?: string): Promise<UpbitOrder[]> {
    return this.http.request({
      method: "GET",
      path: "/v1/orders/open",
      query: { market, states: ["wait", "watch"], limit: 100 },
      costs: [{ group: "default" }],
      signed: true,
    });
  }

  /** Batch cancel (1 per 2 s): every open order, or those of `pairs` (comma-separated markets). */
  cancelAll(pairs?: string): Promise<{ success: { count: number }; failed: { count: number } }> {
    return this.http.request({
      method: "DELETE",
      path: "/v1/orders/open",
      query: { pairs },
      costs: [{ group: "order-cancel-all" }],
      signed: true,
    });
  }

  accounts(): Promise<UpbitAccount[]> {
    return this.http.request({ method: "GET", path: "/v1/accounts", costs: [{ group: "default" }], signed: true });
  }
}
