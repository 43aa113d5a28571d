import {
  type Alert,
  type Candle,
  type EventBus,
  type Fill,
  type Order,
  type Position,
  Subjects,
  type Subscription,
  type Tick,
  Topics,
  WS_CHANNEL_PATTERN,
  WsClientMessage,
  type WsServerMessage,
} from "@jts/contracts";
import { compile, type Logger, type RpcClient } from "@jts/kit";
import type { AuthUser } from "../auth/users.ts";

/** The slice of a WebSocket the hub needs; Bun's ServerWebSocket fits it. */
export interface WsConnection {
  send(data: string): number;
  close(code?: number, reason?: string): void;
  getBufferedAmount(): number;
}

interface Client {
  socket: WsConnection;
  user: AuthUser | null;
  /** null = every account (admin). */
  accounts: string[] | null;
  channels: Set<string>;
  seq: number;
  authTimer: ReturnType<typeof setTimeout> | null;
}

export interface HubOptions {
  authenticate(token: string): Promise<AuthUser | null>;
  accountsOf(user: AuthUser): Promise<string[] | null>;
  authTimeoutMs?: number;
  /** A client whose unsent bytes exceed this is disconnected, so it cannot slow the others. */
  maxBufferedBytes?: number;
}

const clientMessage = compile(WsClientMessage);

/**
 * The /ws fan-out. Authentication comes first (token in the first message,
 * never in the URL); subscribing sends a snapshot, then the stream; every
 * message carries a per-connection sequence number; account channels are
 * filtered to the user's accounts.
 */
export class WsHub {
  private readonly clients = new Map<WsConnection, Client>();
  private readonly byChannel = new Map<string, Set<Client>>();
  private readonly subscriptions: Subscription[] = [];

  constructor(
    private readonly bus: EventBus,
    private readonly rpc: RpcClient,
    private readonly logger: Logger,
    private readonly options: HubOptions,
  ) {}

  get size(): number {
    return this.clients.size;
  }

  async start(): Promise<void> {
    const on = async (pattern: string, handler: (payload: unknown) => void | Promise<void>) => {
      this.subscriptions.push(await this.bus.subscribe(pattern, (e) => handler(e.payload)));
    };
    await on(Topics.allTicks, (p) => this.broadcast(`ticker:${(p as Tick).symbol}`, p, null));
    await on(Topics.allCandles, (p) =>
      this.broadcast(`candles:${(p as Candle).symbol}:${(p as Candle).interval}`, p, null),
    );
    await on(Topics.orderUpdated, (p) => this.broadcast("orders", p, (p as Order).account));
    await on(Topics.fill, (p) => this.broadcast("fills", p, (p as Fill).account));
    await on(Topics.positionUpdated, (p) => this.broadcast("positions", p, (p as Position).account));
    await on(Topics.alert, (p) => this.broadcast("alerts", p, (p as Alert).account));
    await on(Topics.tradingState, async () => {
      const status = await this.rpc.call(Subjects.riskStatus).catch(() => null);
      if (status) this.broadcast("risk", status, null);
    });
  }

  async stop(): Promise<void> {
    await Promise.all(this.subscriptions.splice(0).map((s) => s.unsubscribe()));
    for (const client of this.clients.values()) client.socket.close(1001, "server shutting down");
    this.clients.clear();
    this.byChannel.clear();
  }

  open(socket: WsConnection) {
    const client: Client = { socket, user: null, accounts: null, channels: new Set(), seq: 0, authTimer: null };
    client.authTimer = setTimeout(() => {
      if (!client.user) socket.close(4401, "authenticate first");
    }, this.options.authTimeoutMs ?? 5000);
    this.clients.set(socket, client);
  }

  close(socket: WsConnection) {
    const client = this.clients.get(socket);
    if (!client) return;
    if (client.authTimer) clearTimeout(client.authTimer);
    for (const channel of client.channels) this.byChannel.get(channel)?.delete(client);
    this.clients.delete(socket);
  }

  async message(socket: WsConnection, raw: unknown): Promise<void> {
    const client = this.clients.get(socket);
    if (!client) return;
    let parsed: unknown = raw;
    if (typeof raw === "string") {
      try {
        parsed = JSON.parse(raw);
      } catch {
        return this.send(client, { op: "error", code: "BAD_REQUEST", message: "message is not JSON" });
      }
    }
    if (!clientMessage.check(parsed))
      return this.send(client, { op: "error", code: "VALIDATION", message: "unknown or malformed message" });
    const msg = parsed;
    if (msg.op === "ping") return this.send(client, { op: "pong" });
    if (msg.op === "auth") return this.authenticate(client, msg.token);
    if (!client.user) {
      this.send(client, { op: "error", code: "UNAUTHORIZED", message: "authenticate first" });
      return socket.close(4401, "authenticate first");
    }
    if (msg.op === "unsubscribe") {
      for (const channel of msg.channels) {
        client.channels.delete(channel);
        this.byChannel.get(channel)?.delete(client);
      }
      return this.send(client, { op: "unsubscribed", channels: msg.channels });
    }
    const bad = msg.channels.filter((c) => !WS_CHANNEL_PATTERN.test(c));
    if (bad.length > 0)
      return this.send(client, { op: "error", code: "VALIDATION", message: `unknown channels: ${bad.join(", ")}` });
    const fresh = msg.channels.filter((c) => !client.channels.has(c));
    for (const channel of fresh) {
      client.channels.add(channel);
      let set = this.byChannel.get(channel);
      if (!set) {
        set = new Set();
        this.byChannel.set(channel, set);
      }
      set.add(client);
    }
    this.send(client, { op: "subscribed", channels: msg.channels });
    for (const channel of fresh) await this.snapshot(client, channel);
  }

  private async authenticate(client: Client, token: string) {
    const user = await this.options.authenticate(token);
    if (!user) {
      this.send(client, { op: "error", code: "UNAUTHORIZED", message: "invalid or expired token" });
      return client.socket.close(4401, "invalid token");
    }
    client.user = user;
    client.accounts = await this.options.accountsOf(user);
    if (client.authTimer) clearTimeout(client.authTimer);
    this.send(client, { op: "authed", user: user.username });
  }

  private async snapshot(client: Client, channel: string) {
    const accounts = client.accounts ?? undefined;
    const items = await this.snapshotItems(channel, accounts).catch((error: unknown) => {
      this.logger.warn("snapshot failed", { channel, error: (error as Error).message });
      return [];
    });
    for (const data of items) this.event(client, channel, data, true);
  }

  private async snapshotItems(channel: string, accounts: string[] | undefined): Promise<unknown[]> {
    const [kind, symbol, interval] = channel.split(":");
    switch (kind) {
      case "ticker": {
        const prices = await this.rpc.call(Subjects.prices);
        const last = prices.find((p) => p.symbol === symbol);
        if (!last) return [];
        const tick: Tick = {
          symbol: last.symbol,
          venue: last.venue,
          price: last.price,
          quantity: "0",
          aggressor: "NONE",
          tradeId: "snapshot",
          tsEvent: last.ts,
        };
        return [tick];
      }
      case "candles":
        return this.rpc.call(Subjects.candles, { symbol, interval, limit: 200 });
      case "orders":
        return (await this.rpc.call(Subjects.orderList, { accounts })).slice(0, 100).reverse();
      case "fills":
        return (await this.rpc.call(Subjects.fillList, { accounts })).slice(0, 100).reverse();
      case "positions":
        return this.rpc.call(Subjects.positions, { accounts });
      case "alerts":
        return (await this.rpc.call(Subjects.alertList, { accounts, limit: 50 })).reverse();
      case "risk":
        return [await this.rpc.call(Subjects.riskStatus)];
      default:
        return [];
    }
  }

  private broadcast(channel: string, data: unknown, account: string | null) {
    const set = this.byChannel.get(channel);
    if (!set || set.size === 0) return;
    for (const client of set) {
      if (account !== null && client.accounts !== null && !client.accounts.includes(account)) continue;
      this.event(client, channel, data, false);
    }
  }

  private event(client: Client, channel: string, data: unknown, snapshot: boolean) {
    client.seq++;
    this.send(
      client,
      snapshot
        ? { op: "event", channel, seq: client.seq, snapshot, data }
        : { op: "event", channel, seq: client.seq, data },
    );
  }

  private send(client: Client, message: WsServerMessage) {
    const limit = this.options.maxBufferedBytes ?? 1 << 20;
    if (client.socket.getBufferedAmount() > limit) {
      this.logger.warn("disconnecting a slow consumer", {
        user: client.user?.username,
        buffered: client.socket.getBufferedAmount(),
      });
      client.socket.close(1013, "slow consumer");
      this.close(client.socket);
      return;
    }
    client.socket.send(JSON.stringify(message));
  }
}
