import { hmacSha256Hex, sameSignature } from "@jts/broker-kit";
import { type FakeRequest, FakeVenue } from "@jts/broker-kit/testing";
import { BINANCE_LIMIT_VALUES, BINANCE_WEIGHTS } from "../constants.ts";
import type { BinanceOrder } from "../parse.ts";

export interface FakeBinanceOptions {
  apiKey?: string;
  apiSecret?: string;
  /** The fake's clock runs this far ahead of the machine's (server-time offset tests). */
  clockSkewMs?: number;
  /** Price MARKET orders fill at. */
  marketPrice?: string;
}

interface FakeOrder extends BinanceOrder {
  timeInForce: string;
}

const SYMBOLS = [
  { symbol: "BTCUSDT", base: "BTC", quote: "USDT", tick: "0.01000000", step: "0.00001000" },
  { symbol: "ETHUSDT", base: "ETH", quote: "USDT", tick: "0.01000000", step: "0.00010000" },
  { symbol: "BNBBTC", base: "BNB", quote: "BTC", tick: "0.00000100", step: "0.00100000" },
];

const error = (code: number, msg: string, status = 400) => Response.json({ code, msg }, { status });
const weight = (w: number) => () => [{ group: "weight", weight: w }];

/**
 * A Binance spot venue on 127.0.0.1: checks the HMAC signature, API key and
 * timestamp window like the real one, keeps orders, answers the REST calls
 * JTS uses, pushes executionReports on the user stream and market frames on
 * the combined stream, counts weight and orders per window and enforces the
 * real limits with 429.
 */
export class FakeBinance {
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly venue: FakeVenue;
  readonly orders = new Map<string, FakeOrder>();
  readonly listenKeys = new Set<string>();
  clockSkewMs: number;
  marketPrice: string;
  balances = [
    { asset: "USDT", free: "10000.00000000", locked: "0.00000000" },
    { asset: "BTC", free: "0.50000000", locked: "0.00000000" },
    { asset: "1INCH", free: "3.00000000", locked: "0.00000000" },
  ];
  private nextOrderId = 1000;
  private nextTradeId = 1;

  constructor(options: FakeBinanceOptions = {}) {
    this.apiKey = options.apiKey ?? "fake-binance-key";
    this.apiSecret = options.apiSecret ?? "fake-binance-secret";
    this.clockSkewMs = options.clockSkewMs ?? 0;
    this.marketPrice = options.marketPrice ?? "50000.00000000";
    const signed = (request: FakeRequest) => this.authenticate(request);
    const keyOnly = (request: FakeRequest) =>
      request.headers.get("x-mbx-apikey") === this.apiKey ? null : "API-key format invalid.";
    this.venue = new FakeVenue({
      limits: [
        { group: "weight", limit: BINANCE_LIMIT_VALUES.weightPerMinute, windowMs: 60_000 },
        { group: "orders", limit: BINANCE_LIMIT_VALUES.ordersPer10s, windowMs: 10_000 },
      ],
      usageHeaders: (venue) => ({
        "x-mbx-used-weight-1m": String(venue.meter.used("weight", 60_000)),
        "x-mbx-order-count-10s": String(venue.meter.used("orders", 10_000)),
      }),
      routes: [
        {
          method: "GET",
          path: "/api/v3/time",
          costs: weight(BINANCE_WEIGHTS.time),
          handle: () => ({ serverTime: this.now() }),
        },
        {
          method: "GET",
          path: "/api/v3/exchangeInfo",
          costs: weight(BINANCE_WEIGHTS.exchangeInfo),
          handle: () => this.exchangeInfo(),
        },
        {
          method: "POST",
          path: "/api/v3/order",
          costs: () => [
            { group: "orders", weight: 1 },
            { group: "weight", weight: BINANCE_WEIGHTS.newOrder },
          ],
          authenticate: signed,
          handle: (request) => this.newOrder(request.query),
        },
        {
          method: "DELETE",
          path: "/api/v3/order",
          costs: weight(BINANCE_WEIGHTS.cancelOrder),
          authenticate: signed,
          handle: (request) => this.cancelOrder(request.query),
        },
        {
          method: "GET",
          path: "/api/v3/order",
          costs: weight(BINANCE_WEIGHTS.queryOrder),
          authenticate: signed,
          handle: (request) => {
            const order = this.find(request.query);
            return order ?? error(-2013, "Order does not exist.");
          },
        },
        {
          method: "GET",
          path: "/api/v3/openOrders",
          costs: (request) => weight(request.query.get("symbol") ? 6 : 80)(),
          authenticate: signed,
          handle: () => [...this.orders.values()].filter((o) => o.status === "NEW" || o.status === "PARTIALLY_FILLED"),
        },
        {
          method: "GET",
          path: "/api/v3/account",
          costs: weight(BINANCE_WEIGHTS.account),
          authenticate: signed,
          handle: () => ({ accountType: "SPOT", canTrade: true, balances: this.balances }),
        },
        {
          method: "GET",
          path: "/api/v3/klines",
          costs: weight(BINANCE_WEIGHTS.klines),
          handle: (request) => this.klines(request.query),
        },
        {
          method: "POST",
          path: "/api/v3/userDataStream",
          costs: weight(BINANCE_WEIGHTS.userDataStream),
          authenticate: keyOnly,
          handle: () => {
            const listenKey = `lk${this.listenKeys.size + 1}${"x".repeat(58)}`;
            this.listenKeys.add(listenKey);
            return { listenKey };
          },
        },
        {
          method: "PUT",
          path: "/api/v3/userDataStream",
          costs: weight(BINANCE_WEIGHTS.userDataStream),
          authenticate: keyOnly,
          handle: (request) =>
            this.listenKeys.has(request.query.get("listenKey") ?? "")
              ? {}
              : error(-1125, "This listenKey does not exist."),
        },
      ],
      sockets: [
        {
          path: "/ws",
          onOpen: (ws) => {
            if (!this.listenKeys.has(ws.data.path.slice("/ws/".length))) ws.close(4001, "unknown listenKey");
          },
        },
        { path: "/stream" },
      ],
    });
  }

  start(): this {
    this.venue.start();
    return this;
  }

  stop(): Promise<void> {
    return this.venue.stop();
  }

  get url(): string {
    return this.venue.url;
  }

  get wsUrl(): string {
    return this.venue.wsUrl;
  }

  now(): number {
    return Date.now() + this.clockSkewMs;
  }

  /** Signature over the exact parameter string, key header, and the timestamp inside recvWindow. */
  private authenticate(request: FakeRequest): string | null {
    if (request.headers.get("x-mbx-apikey") !== this.apiKey) return "API-key format invalid.";
    const at = request.queryString.lastIndexOf("&signature=");
    if (at < 0) return "Signature for this request is not valid.";
    const payload = request.queryString.slice(0, at) + request.bodyText;
    const signature = request.queryString.slice(at + "&signature=".length);
    if (!sameSignature(hmacSha256Hex(this.apiSecret, payload), signature))
      return "Signature for this request is not valid.";
    const timestamp = Number(request.query.get("timestamp"));
    const recvWindow = Number(request.query.get("recvWindow") ?? 5000);
    const server = this.now();
    if (!(timestamp < server + 1000 && server - timestamp <= recvWindow))
      return "Timestamp for this request is outside of the recvWindow.";
    return null;
  }

  private exchangeInfo() {
    return {
      timezone: "UTC",
      serverTime: this.now(),
      rateLimits: [
        { rateLimitType: "REQUEST_WEIGHT", interval: "MINUTE", intervalNum: 1, limit: 6000 },
        { rateLimitType: "ORDERS", interval: "SECOND", intervalNum: 10, limit: 100 },
        { rateLimitType: "ORDERS", interval: "DAY", intervalNum: 1, limit: 200000 },
        { rateLimitType: "RAW_REQUESTS", interval: "MINUTE", intervalNum: 5, limit: 61000 },
      ],
      symbols: SYMBOLS.map((s) => ({
        symbol: s.symbol,
        status: "TRADING",
        baseAsset: s.base,
        quoteAsset: s.quote,
        filters: [
          { filterType: "PRICE_FILTER", minPrice: s.tick, maxPrice: "1000000.00000000", tickSize: s.tick },
          { filterType: "LOT_SIZE", minQty: s.step, maxQty: "9000.00000000", stepSize: s.step },
          { filterType: "NOTIONAL", minNotional: "5.00000000", applyMinToMarket: true },
        ],
      })),
    };
  }

  private newOrder(query: URLSearchParams): unknown {
    const spec = SYMBOLS.find((s) => s.symbol === query.get("symbol"));
    if (!spec) return error(-1121, "Invalid symbol.");
    const clientOrderId = query.get("newClientOrderId") ?? `fake${this.nextOrderId}`;
    const existing = this.orders.get(clientOrderId);
    if (existing && (existing.status === "NEW" || existing.status === "PARTIALLY_FILLED"))
      return error(-2010, "Duplicate order sent.");
    const quantity = query.get("quantity") ?? "0";
    if (!isMultiple(quantity, spec.step)) return error(-1013, "Filter failure: LOT_SIZE");
    const type = query.get("type") ?? "";
    if (type === "LIMIT" && (!query.get("price") || !query.get("timeInForce")))
      return error(-1102, "Mandatory parameter 'price' was not sent, was empty/null, or malformed.");
    const now = this.now();
    const order: FakeOrder = {
      symbol: spec.symbol,
      orderId: this.nextOrderId++,
      clientOrderId,
      price: query.get("price") ?? "0.00000000",
      origQty: quantity,
      executedQty: "0",
      cummulativeQuoteQty: "0",
      status: "NEW",
      type,
      side: query.get("side") === "SELL" ? "SELL" : "BUY",
      timeInForce: query.get("timeInForce") ?? "GTC",
      time: now,
      updateTime: now,
    };
    this.orders.set(clientOrderId, order);
    // The ACK goes out first; the user stream follows, as on the venue.
    setTimeout(() => {
      this.report(order, "NEW");
      if (type === "MARKET") this.fill(clientOrderId, quantity, this.marketPrice);
    }, 1);
    return { symbol: spec.symbol, orderId: order.orderId, orderListId: -1, clientOrderId, transactTime: now };
  }

  private find(query: URLSearchParams): FakeOrder | undefined {
    const byClient = query.get("origClientOrderId");
    if (byClient) return this.orders.get(byClient);
    const id = Number(query.get("orderId"));
    return [...this.orders.values()].find((o) => o.orderId === id);
  }

  private cancelOrder(query: URLSearchParams): unknown {
    const order = this.find(query);
    if (
      !order ||
      order.symbol !== query.get("symbol") ||
      (order.status !== "NEW" && order.status !== "PARTIALLY_FILLED")
    )
      return error(-2011, "Unknown order sent.");
    order.status = "CANCELED";
    order.updateTime = this.now();
    setTimeout(() => this.report(order, "CANCELED"), 1);
    return order;
  }

  /** Fills (part of) an order at `price` and reports it on the user stream. */
  fill(clientOrderId: string, quantity: string, price: string, maker = false): void {
    const order = this.orders.get(clientOrderId);
    if (!order) throw new Error(`no order ${clientOrderId}`);
    const executed = Number(order.executedQty) + Number(quantity);
    order.executedQty = executed.toFixed(8);
    order.cummulativeQuoteQty = (Number(order.cummulativeQuoteQty) + Number(quantity) * Number(price)).toFixed(8);
    order.status = executed >= Number(order.origQty) ? "FILLED" : "PARTIALLY_FILLED";
    order.updateTime = this.now();
    this.report(order, "TRADE", { l: quantity, L: price, m: maker });
  }

  private report(order: FakeOrder, execution: string, trade?: { l: string; L: string; m: boolean }): void {
    const canceled = execution === "CANCELED";
    const frame = {
      e: "executionReport",
      E: this.now(),
      s: order.symbol,
      c: canceled ? `cancel${order.orderId}` : order.clientOrderId,
      S: order.side,
      o: order.type,
      f: order.timeInForce,
      q: order.origQty,
      p: order.price,
      P: "0.00000000",
      F: "0.00000000",
      g: -1,
      C: canceled ? order.clientOrderId : "",
      x: execution,
      X: order.status,
      r: "NONE",
      i: order.orderId,
      l: trade?.l ?? "0.00000000",
      z: order.executedQty,
      L: trade?.L ?? "0.00000000",
      n: trade ? (Number(trade.l) * Number(trade.L) * 0.001).toFixed(8) : "0",
      N: trade ? "USDT" : null,
      T: this.now(),
      t: trade ? this.nextTradeId++ : -1,
      I: 1,
      w: order.status === "NEW",
      m: trade?.m ?? false,
      M: false,
      O: order.time,
      Z: order.cummulativeQuoteQty,
      Y: "0.00000000",
      Q: "0.00000000",
    };
    this.venue.broadcast(JSON.stringify(frame), "/ws/");
  }

  /** A trade frame on the combined stream. */
  pushTrade(symbol: string, price: string, quantity: string, buyerIsMaker = false): void {
    const now = this.now();
    const data = {
      e: "trade",
      E: now,
      s: symbol,
      t: this.nextTradeId++,
      p: price,
      q: quantity,
      T: now,
      m: buyerIsMaker,
      M: true,
    };
    this.venue.broadcast(JSON.stringify({ stream: `${symbol.toLowerCase()}@trade`, data }), "/stream");
  }

  pushFrame(frame: string): void {
    this.venue.broadcast(frame, "/stream");
  }

  /** Deterministic candles for any range: open = 100 + minute-of-range, so resumed loads can be checked. */
  private klines(query: URLSearchParams): unknown {
    const intervalMs = INTERVAL_MS[query.get("interval") ?? ""];
    if (!intervalMs) return error(-1120, "Invalid interval.");
    const start = Number(query.get("startTime") ?? 0);
    const end = Math.min(Number(query.get("endTime") ?? this.now()), this.now());
    const limit = Math.min(1000, Number(query.get("limit") ?? 500));
    const rows: unknown[] = [];
    for (let t = Math.ceil(start / intervalMs) * intervalMs; t <= end && rows.length < limit; t += intervalMs) {
      const p = 100 + ((t / intervalMs) % 50);
      rows.push([
        t,
        `${p}.00000000`,
        `${p + 1}.00000000`,
        `${p - 1}.00000000`,
        `${p}.50000000`,
        "10.00000000",
        t + intervalMs - 1,
        "1000.00000000",
        7,
        "5.00000000",
        "500.00000000",
        "0",
      ]);
    }
    return rows;
  }
}

const INTERVAL_MS: Record<string, number> = { "1m": 60_000, "5m": 300_000, "1h": 3_600_000, "1d": 86_400_000 };

function isMultiple(quantity: string, step: string): boolean {
  const scale = 1e8;
  return Math.round(Number(quantity) * scale) % Math.round(Number(step) * scale) === 0;
}
