import { epochMsToKst, sameSignature } from "@jts/broker-kit";
import { brokenAnswer, type Misbehaviour, WindowMeter } from "@jts/broker-kit/testing";
import { fromFixed, toFixed } from "@jts/contracts";
import type { ServerWebSocket } from "bun";
import { signature } from "../auth.ts";
import type { BridgeOrder, ExecutionEvent, OrderRequest, StreamMessage } from "../parse.ts";

/**
 * A fake Creon bridge on 127.0.0.1 speaking BRIDGE.md: signed requests
 * (timestamp window, nonce replay, HMAC), orders with fills the test drives,
 * CpConclusion-style execution events and StockCur trades on the stream,
 * Creon's limits (20 trade requests and 60 queries per 15 s, 400
 * subscriptions across connections) answered as the contract says.
 */
export interface FakeBridgeOptions {
  secret: string;
  /** Creon's windows; tests may shorten them. */
  tradeLimit?: { limit: number; windowMs: number };
  queryLimit?: { limit: number; windowMs: number };
  maxSubscriptions?: number;
  /** The bridge host's clock runs this far ahead of the machine's (its /v1/health `time`). */
  clockSkewMs?: number;
}

interface Socket {
  codes: Set<string>;
}

export class FakeCreonBridge {
  readonly requests: Array<{ method: string; path: string; at: number; status: number }> = [];
  /** Every signed trade and query call as it arrives, refused or not: the referee of the limits proof. */
  readonly meter = new WindowMeter();
  /** Calls refused for a spent window (ORDER_LIMIT, QUERY_LIMIT). */
  readonly counts = { limited: 0 };
  /** Keep `requests` for assertions; off for the load proof. */
  keepRequests = true;
  readonly orders = new Map<string, BridgeOrder>();
  connections = 0;
  cash = 10_000_000n;
  private readonly sockets = new Set<ServerWebSocket<Socket>>();
  private readonly nonces = new Map<string, number>();
  private readonly calls: Record<"trade" | "query", number[]> = { trade: [], query: [] };
  private nextOrderNumber = 1000;
  private server: ReturnType<typeof Bun.serve<Socket>> | null = null;
  connected = true;
  /** How the next places misbehave (see the kit's Misbehaviour): answer lost, placed late, refused late. */
  private readonly placeFaults: Misbehaviour[] = [];

  constructor(private readonly options: FakeBridgeOptions) {}

  get url(): string {
    return `http://127.0.0.1:${this.server?.port}`;
  }

  get subscriptionsUsed(): number {
    let used = 0;
    for (const ws of this.sockets) used += ws.data.codes.size;
    return used;
  }

  start(): this {
    this.server = Bun.serve<Socket>({
      port: 0,
      hostname: "127.0.0.1",
      fetch: async (request, server) => {
        const url = new URL(request.url);
        if (url.pathname === "/v1/stream") {
          const q = url.searchParams;
          const refusal = this.authRefusal(q.get("ts"), q.get("nonce"), q.get("sig"), "GET", "/v1/stream", "");
          if (refusal) return refusal;
          return server.upgrade(request, { data: { codes: new Set<string>() } })
            ? undefined
            : new Response("no upgrade", { status: 400 });
        }
        const response = await this.handle(request, url);
        if (this.keepRequests)
          this.requests.push({
            method: request.method,
            path: url.pathname + url.search,
            at: performance.now(),
            status: response.status,
          });
        return response;
      },
      websocket: {
        open: (ws) => {
          this.connections++;
          this.sockets.add(ws);
        },
        message: (ws, message) => this.onStream(ws, String(message)),
        close: (ws) => {
          this.sockets.delete(ws);
        },
      },
    });
    return this;
  }

  async stop(): Promise<void> {
    await this.server?.stop(true);
  }

  /** The next POST /v1/orders misbehaves this way ("drop-answer", "timeout", "error" with delayMs). */
  misbehavePlace(misbehaviour: Misbehaviour): void {
    this.placeFaults.push(misbehaviour);
  }

  /** Creon executes `quantity` of an order at `price` and says so on every stream. */
  fill(orderNumber: string, quantity: string, price: string): void {
    const order = this.mustFind(orderNumber);
    const filledBefore = toFixed(order.filledQuantity);
    const filled = filledBefore + toFixed(quantity);
    const average =
      ((order.averagePrice ? toFixed(order.averagePrice) : 0n) * filledBefore + toFixed(price) * toFixed(quantity)) /
      filled;
    order.filledQuantity = fromFixed(filled);
    order.averagePrice = fromFixed(average);
    if (filled === toFixed(order.quantity)) order.status = "FILLED";
    this.execution(order, "FILL", quantity, price, null);
  }

  /** Creon refuses an order after accepting it (e.g. price limits), as CpConclusion reports. */
  reject(orderNumber: string, reason: string): void {
    const order = this.mustFind(orderNumber);
    order.status = "REJECTED";
    this.execution(order, "REJECTED", "0", "0", reason);
  }

  /** Sends a StockCur trade to every socket subscribed to `code`. */
  trade(code: string, price: string, volume: string, cumulativeVolume: string, side: "BUY" | "SELL" = "BUY"): void {
    const now = epochMsToKst(Date.now());
    const message: StreamMessage = {
      type: "trade",
      code,
      date: now.date,
      time: now.time,
      price,
      volume,
      cumulativeVolume,
      side,
    };
    for (const ws of this.sockets) if (ws.data.codes.has(code)) ws.send(JSON.stringify(message));
  }

  dropSockets(): void {
    for (const ws of this.sockets) ws.close(1011, "bridge restarting");
  }

  private mustFind(orderNumber: string): BridgeOrder {
    const order = this.orders.get(orderNumber);
    if (!order) throw new Error(`no order ${orderNumber}`);
    return order;
  }

  private execution(
    order: BridgeOrder,
    kind: ExecutionEvent["kind"],
    quantity: string,
    price: string,
    reason: string | null,
  ) {
    const event: ExecutionEvent = {
      type: "execution",
      orderNumber: order.orderNumber,
      clientOrderId: order.clientOrderId,
      kind,
      code: order.code,
      side: order.side,
      quantity,
      price,
      filledQuantity: order.filledQuantity,
      reason,
    };
    for (const ws of this.sockets) ws.send(JSON.stringify(event));
  }

  private authRefusal(
    ts: string | null,
    nonce: string | null,
    sig: string | null,
    method: string,
    path: string,
    body: string,
  ) {
    const now = Date.now();
    for (const [seen, at] of this.nonces) if (now - at > 60_000) this.nonces.delete(seen);
    const refuse = (message: string) => error(401, "UNAUTHORIZED", message);
    if (!ts || !nonce || !sig) return refuse("missing signature headers");
    if (Math.abs(now - Number(ts)) > 30_000) return refuse("timestamp outside 30 s");
    if (this.nonces.has(nonce)) return refuse("nonce already used");
    if (!sameSignature(signature(this.options.secret, ts, nonce, method, path, body), sig))
      return refuse("bad signature");
    this.nonces.set(nonce, now);
    return null;
  }

  /** Creon's own counter: refuse with retryAfterMs once the window is spent. */
  private limitRefusal(group: "trade" | "query"): Response | null {
    const { limit, windowMs } =
      (group === "trade" ? this.options.tradeLimit : this.options.queryLimit) ??
      (group === "trade" ? { limit: 20, windowMs: 15_000 } : { limit: 60, windowMs: 15_000 });
    const now = performance.now();
    const calls = this.calls[group].filter((at) => at > now - windowMs);
    this.calls[group] = calls;
    if (calls.length >= limit) {
      const retryAfterMs = Math.ceil((calls[0] as number) + windowMs - now);
      return error(429, group === "trade" ? "ORDER_LIMIT" : "QUERY_LIMIT", "Creon request limit reached", {
        retryAfterMs,
      });
    }
    calls.push(now);
    return null;
  }

  private async handle(request: Request, url: URL): Promise<Response> {
    const body = await request.text();
    const h = request.headers;
    const path = url.pathname + url.search;
    const refusal = this.authRefusal(
      h.get("x-creon-timestamp"),
      h.get("x-creon-nonce"),
      h.get("x-creon-signature"),
      request.method,
      path,
      body,
    );
    if (refusal) return refusal;
    if (url.pathname === "/v1/health")
      return Response.json({
        connected: this.connected,
        serverType: 1,
        time: Date.now() + (this.options.clockSkewMs ?? 0),
        limits: {},
      });
    if (!this.connected) return error(503, "NOT_CONNECTED", "Creon HTS is not logged in");
    const group = url.pathname.startsWith("/v1/quotes/") ? "query" : "trade";
    this.meter.record(group, 1);
    const limited = this.limitRefusal(group);
    if (limited) {
      this.counts.limited++;
      return limited;
    }

    const cancel = /^\/v1\/orders\/(\d+)\/cancel$/.exec(url.pathname);
    const modify = /^\/v1\/orders\/(\d+)\/modify$/.exec(url.pathname);
    const one = /^\/v1\/orders\/(\d+)$/.exec(url.pathname);
    if (request.method === "POST" && url.pathname === "/v1/orders") return this.placeWithFaults(JSON.parse(body));
    if (request.method === "POST" && cancel) return this.cancel(cancel[1] as string);
    if (request.method === "POST" && modify)
      return this.modify(modify[1] as string, JSON.parse(body) as { price: string });
    if (request.method === "GET" && one) {
      const order = this.orders.get(one[1] as string);
      return order ? Response.json(order) : error(404, "UNKNOWN_ORDER", `no order ${one[1]} today`);
    }
    const clientOrderId = url.searchParams.get("clientOrderId");
    if (request.method === "GET" && url.pathname === "/v1/orders" && clientOrderId) {
      const order = [...this.orders.values()].find((o) => o.clientOrderId === clientOrderId);
      return order ? Response.json(order) : error(404, "UNKNOWN_ORDER", `no order ${clientOrderId} today`);
    }
    if (request.method === "GET" && url.pathname === "/v1/orders")
      return Response.json([...this.orders.values()].filter((o) => o.status === "OPEN"));
    if (request.method === "GET" && url.pathname === "/v1/balance") return this.balance();
    if (request.method === "GET" && url.pathname.startsWith("/v1/quotes/"))
      return Response.json({
        code: url.pathname.slice(11),
        price: "71000",
        bid: "70900",
        ask: "71000",
        time: "091502",
      });
    return error(404, "BAD_REQUEST", `no route ${request.method} ${url.pathname}`);
  }

  private async placeWithFaults(request: OrderRequest): Promise<Response> {
    const fault = this.placeFaults.shift();
    if (fault?.kind === "timeout") await Bun.sleep(fault.delayMs);
    if (fault?.kind === "error") {
      await Bun.sleep(fault.delayMs ?? 0);
      return Response.json(fault.body, { status: fault.status });
    }
    const answer = this.place(request);
    return fault?.kind === "drop-answer" ? brokenAnswer() : answer;
  }

  private place(request: OrderRequest): Response {
    if (request.side === "SELL") {
      const held = this.held(request.code);
      if (held < toFixed(request.quantity))
        return error(422, "ORDER_REFUSED", "매도가능수량이 부족합니다", { creonStatus: 1 });
    }
    const orderNumber = String(this.nextOrderNumber++);
    const now = epochMsToKst(Date.now());
    const order: BridgeOrder = {
      orderNumber,
      clientOrderId: request.clientOrderId,
      code: request.code,
      side: request.side,
      orderType: request.orderType,
      quantity: request.quantity,
      price: request.price,
      filledQuantity: "0",
      averagePrice: null,
      status: "OPEN",
      date: now.date,
      time: now.time,
    };
    this.orders.set(orderNumber, order);
    this.execution(order, "ACCEPTED", "0", "0", null);
    return Response.json({ orderNumber, acceptedAt: { date: order.date, time: order.time } });
  }

  private cancel(orderNumber: string): Response {
    const order = this.orders.get(orderNumber);
    if (!order) return error(404, "UNKNOWN_ORDER", `no order ${orderNumber} today`);
    if (order.status !== "OPEN") return error(422, "ORDER_REFUSED", "취소가능수량이 없습니다", { creonStatus: 1 });
    order.status = "CANCELED";
    const cancelNumber = String(this.nextOrderNumber++);
    queueMicrotask(() => this.execution(order, "CANCELED", "0", "0", null));
    return Response.json({ orderNumber: cancelNumber, originalOrderNumber: orderNumber });
  }

  /**
   * CpTd0313 of everything left: the original keeps its fills and closes; a
   * new order number works the remainder at the new price (ACCEPTED on the
   * stream, the client order id kept).
   */
  private modify(orderNumber: string, request: { price: string }): Response {
    const order = this.orders.get(orderNumber);
    if (!order) return error(404, "UNKNOWN_ORDER", `no order ${orderNumber} today`);
    if (order.status !== "OPEN") return error(422, "ORDER_REFUSED", "정정가능수량이 없습니다", { creonStatus: 1 });
    const remainder = toFixed(order.quantity) - toFixed(order.filledQuantity);
    order.status = "CANCELED";
    const modified: BridgeOrder = {
      ...order,
      orderNumber: String(this.nextOrderNumber++),
      quantity: fromFixed(remainder),
      price: request.price,
      filledQuantity: "0",
      averagePrice: null,
      status: "OPEN",
    };
    this.orders.set(modified.orderNumber, modified);
    queueMicrotask(() => this.execution(modified, "ACCEPTED", "0", "0", null));
    return Response.json({ orderNumber: modified.orderNumber, originalOrderNumber: orderNumber });
  }

  private held(code: string): bigint {
    let quantity = 0n;
    for (const o of this.orders.values())
      if (o.code === code) quantity += (o.side === "BUY" ? 1n : -1n) * toFixed(o.filledQuantity);
    return quantity;
  }

  private balance(): Response {
    const codes = new Set([...this.orders.values()].map((o) => o.code));
    const holdings = [...codes]
      .map((code) => {
        const buys = [...this.orders.values()].filter((o) => o.code === code && o.side === "BUY" && o.averagePrice);
        const bought = buys.reduce((sum, o) => sum + toFixed(o.filledQuantity), 0n);
        const cost = buys.reduce(
          (sum, o) => sum + (toFixed(o.filledQuantity) * toFixed(o.averagePrice ?? "0")) / 1_000_000_000n,
          0n,
        );
        const quantity = this.held(code);
        const average = bought === 0n ? 0n : (cost * 1_000_000_000n) / bought;
        return {
          code,
          quantity: fromFixed(quantity),
          averagePrice: fromFixed(average),
          lastPrice: "71000",
          unrealizedPnl: fromFixed(((toFixed("71000") - average) * quantity) / 1_000_000_000n),
        };
      })
      .filter((h) => h.quantity !== "0");
    return Response.json({
      cash: { deposit: fromFixed(this.cash * 1_000_000_000n), orderable: fromFixed(this.cash * 1_000_000_000n) },
      holdings,
    });
  }

  private onStream(ws: ServerWebSocket<Socket>, text: string): void {
    let message: { op?: string; code?: string };
    try {
      message = JSON.parse(text);
    } catch {
      ws.send(JSON.stringify({ type: "error", code: "BAD_REQUEST", message: "not JSON" }));
      return;
    }
    const max = this.options.maxSubscriptions ?? 400;
    const code = message.code ?? "";
    if (message.op === "ping") ws.send(JSON.stringify({ type: "pong" }));
    else if (message.op === "subscribe") {
      if (!ws.data.codes.has(code) && this.subscriptionsUsed >= max) {
        ws.send(
          JSON.stringify({
            type: "error",
            code: "SUBSCRIPTION_LIMIT",
            message: `Creon allows ${max} real-time subscriptions; ${code} refused`,
            subject: code,
          }),
        );
        return;
      }
      ws.data.codes.add(code);
      ws.send(JSON.stringify({ type: "subscribed", code, used: this.subscriptionsUsed, max }));
    } else if (message.op === "unsubscribe") {
      ws.data.codes.delete(code);
      ws.send(JSON.stringify({ type: "unsubscribed", code, used: this.subscriptionsUsed, max }));
    }
  }
}

function error(status: number, code: string, message: string, extra: Record<string, number> = {}): Response {
  return Response.json({ error: { code, message, ...extra } }, { status });
}
