import {
  type Cost,
  hmacSha256Hex,
  type QueryValue,
  type RateGate,
  requireCredentials,
  type ServerClock,
  VenueHttpClient,
} from "@jts/broker-kit";
import type { Logger } from "@jts/kit";
import { BINANCE_VENUE, BINANCE_WEIGHTS } from "./constants.ts";
import type { BinanceExchangeInfo, BinanceKlineRow, BinanceOrder } from "./parse.ts";

export interface BinanceRestOptions {
  baseUrl: string;
  apiKey?: string;
  apiSecret?: string;
  recvWindowMs?: number;
  gate: RateGate;
  /** Venue time for signed timestamps; local time until it is synced. */
  clock: Pick<ServerClock, "now">;
  logger?: Logger;
  /** Called with X-MBX-USED-WEIGHT-1M after every answer. */
  onUsedWeight?: (usedWeight: number) => void;
  /** Called with X-MBX-ORDER-COUNT-10S after answers to order calls. */
  onOrderCount?: (ordersIn10s: number) => void;
}

const data = (weight: number): Cost[] => [
  { group: "weight-data", weight },
  { group: "weight", weight },
];
const trading = (weight: number): Cost[] => [{ group: "weight", weight }];
const order = (weight: number): Cost[] => [{ group: "orders" }, { group: "weight", weight }];

/**
 * The Binance spot REST endpoints JTS uses, one method each, raw venue types
 * out. Signed calls put every parameter in the query string, then
 * `recvWindow`, `timestamp` (venue time) and the HMAC-SHA256 `signature` of
 * exactly that string; the key goes in X-MBX-APIKEY.
 */
export class BinanceRest {
  readonly http: VenueHttpClient;

  constructor(private readonly options: BinanceRestOptions) {
    const recvWindow = options.recvWindowMs ?? 5000;
    this.http = new VenueHttpClient({
      venue: BINANCE_VENUE,
      baseUrl: options.baseUrl,
      gate: options.gate,
      logger: options.logger,
      sign: (request) => {
        const { BINANCE_API_KEY: apiKey, BINANCE_API_SECRET: apiSecret } = requireCredentials(BINANCE_VENUE, {
          BINANCE_API_KEY: this.options.apiKey,
          BINANCE_API_SECRET: this.options.apiSecret,
        });
        const params = `${request.queryString ? `${request.queryString}&` : ""}recvWindow=${recvWindow}&timestamp=${Math.round(this.options.clock.now())}`;
        request.queryString = `${params}&signature=${hmacSha256Hex(apiSecret, params + (request.bodyText ?? ""))}`;
        request.headers["X-MBX-APIKEY"] = apiKey;
      },
      onUsage: (headers) => {
        const used = headers.get("x-mbx-used-weight-1m");
        if (used !== null) this.options.onUsedWeight?.(Number(used));
        const orders = headers.get("x-mbx-order-count-10s");
        if (orders !== null) this.options.onOrderCount?.(Number(orders));
      },
      errorOf: (_status, body) => {
        const error = body as { code?: number; msg?: string } | null;
        return { code: error?.code, message: error?.msg ?? `HTTP ${_status}` };
      },
    });
  }

  private keyHeader(): Record<string, string> {
    const { BINANCE_API_KEY } = requireCredentials(BINANCE_VENUE, { BINANCE_API_KEY: this.options.apiKey });
    return { "X-MBX-APIKEY": BINANCE_API_KEY };
  }

  async serverTime(): Promise<number> {
    const body = await this.http.request<{ serverTime: number }>({
      method: "GET",
      path: "/api/v3/time",
      costs: data(BINANCE_WEIGHTS.time),
    });
    return body.serverTime;
  }

  exchangeInfo(symbols?: string[]): Promise<BinanceExchangeInfo> {
    return this.http.request({
      method: "GET",
      path: "/api/v3/exchangeInfo",
      query: symbols?.length ? { symbols: JSON.stringify(symbols) } : undefined,
      costs: data(BINANCE_WEIGHTS.exchangeInfo),
    });
  }

  newOrder(
    params: Record<string, QueryValue>,
  ): Promise<{ orderId: number; clientOrderId: string; transactTime: number }> {
    return this.http.request({
      method: "POST",
      path: "/api/v3/order",
      query: { ...params, newOrderRespType: "ACK" },
      costs: order(BINANCE_WEIGHTS.newOrder),
      signed: true,
    });
  }

  cancelOrder(symbol: string, clientOrderId: string): Promise<BinanceOrder> {
    return this.http.request({
      method: "DELETE",
      path: "/api/v3/order",
      query: { symbol, origClientOrderId: clientOrderId },
      costs: trading(BINANCE_WEIGHTS.cancelOrder),
      signed: true,
    });
  }

  queryOrder(symbol: string, ids: { clientOrderId?: string; orderId?: string }): Promise<BinanceOrder> {
    return this.http.request({
      method: "GET",
      path: "/api/v3/order",
      query: { symbol, orderId: ids.orderId, origClientOrderId: ids.orderId ? undefined : ids.clientOrderId },
      costs: trading(BINANCE_WEIGHTS.queryOrder),
      signed: true,
    });
  }

  openOrders(symbol?: string): Promise<BinanceOrder[]> {
    return this.http.request({
      method: "GET",
      path: "/api/v3/openOrders",
      query: { symbol },
      costs: trading(symbol ? BINANCE_WEIGHTS.openOrdersSymbol : BINANCE_WEIGHTS.openOrdersAll),
      signed: true,
    });
  }

  account(): Promise<{ balances: Array<{ asset: string; free: string; locked: string }> }> {
    return this.http.request({
      method: "GET",
      path: "/api/v3/account",
      query: { omitZeroBalances: true },
      costs: data(BINANCE_WEIGHTS.account),
      signed: true,
    });
  }

  klines(
    symbol: string,
    interval: string,
    startTime: number,
    endTime: number,
    limit = 1000,
  ): Promise<BinanceKlineRow[]> {
    return this.http.request({
      method: "GET",
      path: "/api/v3/klines",
      query: { symbol, interval, startTime, endTime, limit },
      costs: data(BINANCE_WEIGHTS.klines),
    });
  }

  async createListenKey(): Promise<string> {
    const body = await this.http.request<{ listenKey: string }>({
      method: "POST",
      path: "/api/v3/userDataStream",
      headers: this.keyHeader(),
      costs: trading(BINANCE_WEIGHTS.userDataStream),
    });
    return body.listenKey;
  }

  async keepAliveListenKey(listenKey: string): Promise<void> {
    await this.http.request({
      method: "PUT",
      path: "/api/v3/userDataStream",
      query: { listenKey },
      headers: this.keyHeader(),
      costs: trading(BINANCE_WEIGHTS.userDataStream),
    });
  }
}
