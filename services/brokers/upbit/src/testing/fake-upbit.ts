import { sha512Hex, verifyJwt } from "@jts/broker-kit";
import { type FakeRequest, FakeVenue } from "@jts/broker-kit/testing";
import type { ServerWebSocket } from "bun";
import { hashableQuery } from "../auth.ts";
import { UPBIT_LIMIT_VALUES } from "../constants.ts";
import type { UpbitOrder } from "../parse.ts";

export interface FakeUpbitOptions {
  accessKey?: string;
  secretKey?: string;
  /** KRW price market sells fill at. */
  marketPrice?: string;
  ordersPerSecond?: number;
}

interface FakeOrder extends UpbitOrder {
  identifier: string;
  tradesDone: number;
}

const MARKETS = [
  { market: "KRW-BTC", korean_name: "비트코인", english_name: "Bitcoin" },
  { market: "KRW-ETH", korean_name: "이더리움", english_name: "Ethereum" },
  { market: "BTC-ETH", korean_name: "이더리움", english_name: "Ethereum" },
];

const upbitError = (status: number, name: string, message: string) =>
  Response.json({ error: { name, message } }, { status });

const GROUP_OF: Record<string, string> = {
  "POST /v1/orders": "order",
  "DELETE /v1/orders/open": "order-cancel-all",
  "GET /v1/market/all": "market",
};

function groupOf(request: FakeRequest): string {
  const exact = GROUP_OF[`${request.method} ${request.path}`];
  if (exact) return exact;
  if (request.path.startsWith("/v1/candles")) return "candle";
  return "default";
}

/**
 * An Upbit venue on 127.0.0.1: verifies the JWT (signature, access key,
 * fresh nonce, query_hash of exactly the parameters sent), keeps orders,
 * answers the REST calls JTS uses with Remaining-Req, enforces the per-second
 * group limits with 429, pushes myOrder events on the private socket
 * (authenticated at upgrade) and market frames, as binary, on the public one.
 */
export class FakeUpbit {
  readonly accessKey: string;
  readonly secretKey: string;
  readonly venue: FakeVenue;
  readonly orders = new Map<string, FakeOrder>();
  readonly subscriptions: unknown[] = [];
  marketPrice: string;
  private readonly nonces = new Set<string>();
  private nextTrade = 1;

  constructor(options: FakeUpbitOptions = {}) {
    this.accessKey = options.accessKey ?? "fake-upbit-access";
    this.secretKey = options.secretKey ?? "fake-upbit-secret";
    this.marketPrice = options.marketPrice ?? "50000000";
    const auth = (request: FakeRequest) => this.authenticate(request);
    const cost = (request: FakeRequest) => [{ group: groupOf(request), weight: 1 }];
    const perSecond = (group: string, limit: number) => ({ group, limit, windowMs: 1000 });
    this.venue = new FakeVenue({
      limits: [
        perSecond("order", options.ordersPerSecond ?? UPBIT_LIMIT_VALUES.ordersPerSecond),
        perSecond("default", UPBIT_LIMIT_VALUES.exchangePerSecond),
        perSecond("candle", UPBIT_LIMIT_VALUES.quotationPerSecond),
        perSecond("market", UPBIT_LIMIT_VALUES.quotationPerSecond),
        { group: "order-cancel-all", limit: 1, windowMs: 2000 },
      ],
      usageHeaders: (venue, request) => {
        const group = groupOf(request);
        const limit = group === "order" ? 12 : group === "default" ? 30 : group === "order-cancel-all" ? 1 : 10;
        const used = venue.meter.used(group, group === "order-cancel-all" ? 2000 : 1000);
        return { "remaining-req": `group=${group}; min=1800; sec=${Math.max(0, limit - used)}` };
      },
      routes: [
        { method: "GET", path: "/v1/market/all", costs: cost, handle: () => MARKETS },
        ...["/v1/candles/minutes/1", "/v1/candles/minutes/5", "/v1/candles/minutes/60", "/v1/candles/days"].map(
          (path) => ({
            method: "GET",
            path,
            costs: cost,
            handle: (request: FakeRequest) => this.candles(request),
          }),
        ),
        { method: "POST", path: "/v1/orders", costs: cost, authenticate: auth, handle: (r) => this.placeOrder(r) },
        { method: "DELETE", path: "/v1/order", costs: cost, authenticate: auth, handle: (r) => this.cancelOrder(r) },
        {
          method: "GET",
          path: "/v1/order",
          costs: cost,
          authenticate: auth,
          handle: (r) => this.find(r.query) ?? upbitError(404, "order_not_found", "주문을 찾지 못했습니다."),
        },
        {
          method: "GET",
          path: "/v1/orders/open",
          costs: cost,
          authenticate: auth,
          handle: () => [...this.orders.values()].filter((o) => o.state === "wait"),
        },
        {
          method: "DELETE",
          path: "/v1/orders/open",
          costs: cost,
          authenticate: auth,
          handle: () => {
            const open = [...this.orders.values()].filter((o) => o.state === "wait");
            for (const order of open) order.state = "cancel";
            return { success: { count: open.length, orders: [] }, failed: { count: 0, orders: [] } };
          },
        },
        {
          method: "GET",
          path: "/v1/accounts",
          costs: cost,
          authenticate: auth,
          handle: () => [
            {
              currency: "KRW",
              balance: "1000000.0",
              locked: "0.0",
              avg_buy_price: "0",
              avg_buy_price_modified: true,
              unit_currency: "KRW",
            },
            {
              currency: "BTC",
              balance: "0.5",
              locked: "0.1",
              avg_buy_price: "48000000",
              avg_buy_price_modified: false,
              unit_currency: "KRW",
            },
          ],
        },
      ],
      sockets: [
        {
          path: "/websocket/v1/private",
          onOpen: (ws) => {
            const token = ws.data.headers.get("authorization")?.replace(/^Bearer /, "") ?? "";
            const claims = verifyJwt(token, this.secretKey);
            if (!claims || claims.access_key !== this.accessKey) ws.close(4401, "invalid token");
          },
          onMessage: (ws, text) => this.onSocketMessage(ws, text),
        },
        { path: "/websocket/v1", onMessage: (ws, text) => this.onSocketMessage(ws, text) },
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
    return `${this.venue.wsUrl}/websocket/v1`;
  }

  private onSocketMessage(ws: ServerWebSocket<{ path: string }>, text: string): void {
    if (text === "PING") {
      ws.send(JSON.stringify({ status: "UP" }));
      return;
    }
    this.subscriptions.push(JSON.parse(text));
  }

  /** Signature, access key, unused nonce and a query_hash over exactly the parameters sent. */
  private authenticate(request: FakeRequest): Response | null {
    const token = request.headers.get("authorization")?.replace(/^Bearer /, "");
    if (!token) return upbitError(401, "no_authorization_token", "Authorization token not found.");
    const claims = verifyJwt(token, this.secretKey);
    if (!claims || claims.access_key !== this.accessKey)
      return upbitError(401, "jwt_verification", "Failed to verify Jwt token.");
    const nonce = String(claims.nonce ?? "");
    if (!nonce || this.nonces.has(nonce)) return upbitError(401, "nonce_used", "Nonce already used.");
    this.nonces.add(nonce);
    const body = request.json();
    const params = body ? hashableQuery(body as Record<string, string>) : decodeURIComponent(request.queryString);
    const expected = params ? sha512Hex(params) : undefined;
    if (claims.query_hash !== expected || (expected && claims.query_hash_alg !== "SHA512"))
      return upbitError(401, "invalid_query_payload", "Jwt payload is invalid.");
    return null;
  }

  private placeOrder(request: FakeRequest): unknown {
    const body = (request.json() ?? {}) as Record<string, string>;
    if (!MARKETS.some((m) => m.market === body.market))
      return upbitError(404, "market_does_not_exist", "Market does not exist.");
    if (body.identifier && this.orders.has(body.identifier))
      return upbitError(400, "identifier_already_used", "Identifier already used.");
    const volume = Number(body.volume ?? 0);
    const price = body.ord_type === "limit" ? Number(body.price) : Number(this.marketPrice);
    if (body.market?.startsWith("KRW-") && volume * price < 5000)
      return upbitError(
        400,
        body.side === "bid" ? "under_min_total_bid" : "under_min_total_ask",
        "최소주문금액 이상으로 주문해주세요",
      );
    const identifier = body.identifier ?? crypto.randomUUID();
    const order: FakeOrder = {
      uuid: crypto.randomUUID(),
      side: body.side === "ask" ? "ask" : "bid",
      ord_type: body.ord_type ?? "limit",
      price: body.price ?? null,
      state: "wait",
      market: body.market ?? "",
      created_at: new Date().toISOString(),
      volume: body.volume ?? null,
      remaining_volume: body.volume ?? null,
      executed_volume: "0",
      identifier,
      trades: [],
      tradesDone: 0,
    };
    this.orders.set(identifier, order);
    setTimeout(() => {
      this.myOrder(order, "wait");
      if (order.ord_type === "market") this.fill(identifier, order.volume ?? "0", this.marketPrice);
    }, 1);
    return Response.json({ ...order, trades: undefined, tradesDone: undefined }, { status: 201 });
  }

  private find(query: URLSearchParams): FakeOrder | undefined {
    const identifier = query.get("identifier");
    if (identifier) return this.orders.get(identifier);
    return [...this.orders.values()].find((o) => o.uuid === query.get("uuid"));
  }

  private cancelOrder(request: FakeRequest): unknown {
    const order = this.find(request.query);
    if (order?.state !== "wait") return upbitError(404, "order_not_found", "주문을 찾지 못했습니다.");
    order.state = "cancel";
    setTimeout(() => this.myOrder(order, "cancel"), 1);
    return order;
  }

  /** Fills (part of) an order and pushes `trade` (and `done` when complete) on the private socket. */
  fill(identifier: string, volume: string, price: string, maker = false): void {
    const order = this.orders.get(identifier);
    if (!order) throw new Error(`no order ${identifier}`);
    const executed = Number(order.executed_volume) + Number(volume);
    // Upbit's REST answers are decimal strings of at most 8 places.
    const text = (n: number) => String(Number(n.toFixed(8)));
    order.executed_volume = text(executed);
    order.remaining_volume = text(Number(order.volume ?? 0) - executed);
    order.trades?.push({ price, volume, funds: text(Number(price) * Number(volume)) });
    this.myOrder(order, "trade", { price: Number(price), volume: Number(volume), maker });
    if (Number(order.remaining_volume) <= 0) {
      order.state = "done";
      this.myOrder(order, "done");
    }
  }

  private myOrder(order: FakeOrder, state: string, trade?: { price: number; volume: number; maker: boolean }): void {
    const now = Date.now();
    const frame = {
      type: "myOrder",
      code: order.market,
      uuid: order.uuid,
      ask_bid: order.side === "bid" ? "BID" : "ASK",
      order_type: order.ord_type,
      state,
      trade_uuid: trade ? `trade-${this.nextTrade++}` : null,
      price: trade ? trade.price : Number(order.price ?? 0),
      avg_price: trade ? trade.price : 0,
      volume: trade ? trade.volume : Number(order.volume ?? 0),
      remaining_volume: Number(order.remaining_volume ?? 0),
      executed_volume: Number(order.executed_volume),
      trades_count: order.trades?.length ?? 0,
      reserved_fee: 0,
      remaining_fee: 0,
      paid_fee: 0,
      locked: 0,
      executed_funds: 0,
      trade_fee: trade ? trade.price * trade.volume * 0.0005 : null,
      is_maker: trade ? trade.maker : null,
      identifier: order.identifier,
      smp_type: null,
      prevented_volume: 0,
      prevented_locked: 0,
      trade_timestamp: trade ? now : null,
      order_timestamp: Date.parse(order.created_at),
      timestamp: now,
      stream_type: "REALTIME",
    };
    this.venue.broadcast(JSON.stringify(frame), "/websocket/v1/private", true);
  }

  /** A public frame, sent binary as Upbit does. */
  pushPublic(frame: unknown): void {
    for (const ws of this.venue.sockets)
      if (ws.data.path === "/websocket/v1")
        ws.send(Buffer.from(typeof frame === "string" ? frame : JSON.stringify(frame)));
  }

  /** Deterministic 1m/5m/60m/day candles, newest first, ending before `to`. */
  private candles(request: FakeRequest): unknown {
    const unitMs = request.path.endsWith("days") ? 86_400_000 : Number(request.path.split("/").pop()) * 60_000;
    const market = request.query.get("market") ?? "KRW-BTC";
    const toParam = request.query.get("to");
    const to = Math.min(toParam ? Date.parse(toParam.endsWith("Z") ? toParam : `${toParam}Z`) : Date.now(), Date.now());
    const count = Math.min(200, Number(request.query.get("count") ?? 1));
    const rows: unknown[] = [];
    for (let t = Math.floor((to - 1) / unitMs) * unitMs, i = 0; i < count && t >= 0; t -= unitMs, i++) {
      const p = 50_000_000 + ((t / unitMs) % 50) * 1000;
      rows.push({
        market,
        candle_date_time_utc: new Date(t).toISOString().slice(0, 19),
        candle_date_time_kst: new Date(t + 9 * 3_600_000).toISOString().slice(0, 19),
        opening_price: p,
        high_price: p + 5000,
        low_price: p - 5000,
        trade_price: p + 1000,
        timestamp: t + unitMs - 1,
        candle_acc_trade_price: p * 2,
        candle_acc_trade_volume: 2,
        unit: unitMs / 60_000,
      });
    }
    return rows;
  }
}
