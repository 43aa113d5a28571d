/** Test helpers for the hub: fake sockets, fake snapshot services on the in-memory rpc, bus publishing. */
import {
  EventTypes,
  type Fill,
  type Order,
  type Position,
  type RiskStatus,
  Subjects,
  type Tick,
  type Topic,
  type TopicPayload,
  Topics,
  type WsServerMessage,
} from "@jts/contracts";
import { envelope, memoryRuntime, rpcClient } from "@jts/kit";
import { fillFixture, orderFixture, silentLogger } from "@jts/kit/testing";
import type { AuthUser } from "../auth/users.ts";
import { type HubOptions, type WsConnection, WsHub } from "./hub.ts";

export type EventMessage = Extract<WsServerMessage, { op: "event" }>;

/** Records what the hub sends; `buffered` stands in for Bun's unsent bytes. */
export class FakeSocket implements WsConnection {
  readonly sent: string[] = [];
  buffered = 0;
  /** What send() returns: Bun gives 0 for a dropped message. */
  sendStatus: number | null = null;
  closed: { code: number | undefined; reason: string | undefined } | null = null;

  send(data: string): number {
    if (this.closed) return 0;
    this.sent.push(data);
    return this.sendStatus ?? data.length;
  }

  close(code?: number, reason?: string): void {
    this.closed ??= { code, reason };
  }

  getBufferedAmount(): number {
    return this.buffered;
  }

  get messages(): WsServerMessage[] {
    return this.sent.map((s) => JSON.parse(s) as WsServerMessage);
  }

  events(channel?: string): EventMessage[] {
    return this.messages.filter((m): m is EventMessage => m.op === "event" && (!channel || m.channel === channel));
  }

  last<Op extends WsServerMessage["op"]>(op: Op): Extract<WsServerMessage, { op: Op }> | undefined {
    return this.messages.filter((m): m is Extract<WsServerMessage, { op: Op }> => m.op === op).at(-1);
  }

  /** Forgets what was sent so far. */
  clear(): void {
    this.sent.length = 0;
  }
}

const risk: RiskStatus = {
  state: "ACTIVE",
  limits: { maxOrderNotional: "1000000", maxPositionNotional: "5000000" },
  reason: "",
  updatedAt: "1",
};

let counter = 0;
const nextId = (prefix: string) => `${prefix}${++counter}`;

export function orderFor(account: string, overrides: Partial<Order> = {}): Order {
  const id = nextId("o");
  return orderFixture({ id, clientOrderId: `c-${id}`, account, symbol: "BTC-KRW", quantity: "1", ...overrides });
}

export function fillFor(account: string, overrides: Partial<Fill> = {}): Fill {
  return fillFixture({
    id: nextId("f"),
    clientOrderId: "c-o0",
    account,
    symbol: "BTC-KRW",
    price: "100",
    quantity: "1",
    ...overrides,
  });
}

export function positionFor(account: string, quantity = "1"): Position {
  return {
    account,
    symbol: "BTC-KRW",
    venue: "sim",
    quantity,
    averagePrice: "100",
    realizedPnl: "0",
    unrealizedPnl: "0",
    lastPrice: null,
    currency: "KRW",
    updatedAt: "1",
  };
}

export function tickOf(symbol: string, price: string, venue: Tick["venue"] = "sim"): Tick {
  return { symbol, venue, price, quantity: "1", aggressor: "BUY", tradeId: nextId("t"), tsEvent: "1" };
}

/** Lets the in-memory bus deliver everything published so far (it delivers on microtasks). */
export const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * A started hub on an in-memory runtime. Tokens are `<user>:<jti>[:<session>]` (a jti names one token, so keep them unique); each user
 * owns the accounts given (null = admin). Snapshot subjects answer from
 * `state` and count their calls.
 */
export async function hubFixture(
  accounts: Record<string, string[] | null>,
  options: Partial<HubOptions> = {},
  expiresAt: (user: string) => number = () => Math.floor(Date.now() / 1000) + 3600,
) {
  const runtime = memoryRuntime(silentLogger);
  /** `hold`: while set, the order and price snapshots wait for it (a slow snapshot read). */
  const state = {
    orders: [] as Order[],
    fills: [] as Fill[],
    prices: [] as Tick[],
    hold: null as Promise<void> | null,
  };
  const calls: Record<string, number> = {};
  const scoped =
    <T extends { account: string }>(items: () => T[], subject: string) =>
    async (request: unknown) => {
      calls[subject] = (calls[subject] ?? 0) + 1;
      await state.hold;
      const only = (request as { accounts?: string[] }).accounts;
      return items().filter((item) => !only || only.includes(item.account));
    };
  await runtime.rpc.serve(
    Subjects.orderList,
    scoped(() => state.orders, "orders"),
  );
  await runtime.rpc.serve(
    Subjects.fillList,
    scoped(() => state.fills, "fills"),
  );
  await runtime.rpc.serve(Subjects.positions, () => []);
  await runtime.rpc.serve(Subjects.alertList, () => []);
  await runtime.rpc.serve(Subjects.riskStatus, () => risk);
  await runtime.rpc.serve(Subjects.prices, async () => {
    await state.hold;
    return state.prices.map((t) => ({
      symbol: t.symbol,
      venue: t.venue,
      price: t.price,
      bid: null,
      ask: null,
      ts: t.tsEvent,
    }));
  });

  const hub = new WsHub(runtime.bus, rpcClient(runtime.rpc, 500), runtime.logger, {
    async authenticate(token) {
      const [username, jti, sid] = token.split(":");
      if (!username || !jti || !(username in accounts)) return null;
      const user: AuthUser = {
        username,
        role: accounts[username] === null ? "admin" : "trader",
        jti,
        exp: expiresAt(username),
        ...(sid ? { sid } : {}),
      };
      return user;
    },
    accountsOf: async (user) => (user.username in accounts ? (accounts[user.username] as string[] | null) : []),
    ...options,
  });
  await hub.start();

  /** An authenticated socket, optionally subscribed; resolves once the hub has answered. */
  const connect = async (token: string, channels?: string[], resumeFrom?: { stream: string; seq: number }) => {
    const socket = new FakeSocket();
    hub.open(socket);
    await hub.message(socket, JSON.stringify({ op: "auth", token }));
    if (channels) await hub.message(socket, JSON.stringify({ op: "subscribe", channels, resumeFrom }));
    return socket;
  };

  const publish = async <T extends Topic>(topic: T, type: string, payload: TopicPayload<T>) => {
    await runtime.bus.publish(topic, envelope(type, "test", "k", payload));
  };
  const publishOrder = (order: Order) => publish(Topics.orderUpdated, EventTypes.order, order);
  const publishFill = (fill: Fill) => publish(Topics.fill, EventTypes.fill, fill);
  const publishTick = (tick: Tick) => publish(Topics.tick(tick.venue, tick.symbol), EventTypes.tick, tick);
  const publishPosition = (position: Position) => publish(Topics.positionUpdated, EventTypes.position, position);

  return { runtime, hub, state, calls, connect, publishOrder, publishFill, publishTick, publishPosition };
}
