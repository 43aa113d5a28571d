import { msToNs, type Tick } from "@jts/contracts";
import { compile, type Logger } from "@jts/kit";
import { type ExecutionEvent, fromCreonCode, StreamMessage, type TradeEvent, toCreonCode } from "./protocol.ts";
import { signedStreamUrl } from "./signing.ts";

/** Creon allows at most 400 real-time subscriptions per login. */
export const CREON_MAX_SUBSCRIPTIONS = 400;

export class SubscriptionLimitError extends Error {
  readonly code = "SUBSCRIPTION_LIMIT";
}

export interface CreonStreamOptions {
  baseUrl: string;
  secret: string;
  onTicks: (ticks: Tick[]) => void;
  onExecution: (event: ExecutionEvent) => void;
  /** The bridge refused a subscription (its count includes other connections). */
  onRefused?: (symbol: string, message: string) => void;
  logger: Logger;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  pingMs?: number;
}

const message = compile(StreamMessage);

/**
 * The bridge's WebSocket: StockCur trades and CpConclusion executions. Every
 * symbol is subscribed again after a reconnect; a 401st subscription is
 * refused here with a clear error before it reaches the bridge.
 */
export class CreonStream {
  private readonly symbols = new Set<string>();
  private socket: WebSocket | null = null;
  private stopped = true;
  private delay: number;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private pinger: ReturnType<typeof setInterval> | null = null;
  reconnects = 0;

  constructor(private readonly options: CreonStreamOptions) {
    this.delay = options.reconnectMinMs ?? 250;
  }

  get connected(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  get subscribed(): number {
    return this.symbols.size;
  }

  start(): void {
    this.stopped = false;
    this.connect();
    this.pinger = setInterval(() => this.send({ op: "ping" }), this.options.pingMs ?? 20_000);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.pinger) clearInterval(this.pinger);
    this.socket?.close();
    this.socket = null;
  }

  subscribe(symbol: string): void {
    if (this.symbols.has(symbol)) return;
    if (this.symbols.size >= CREON_MAX_SUBSCRIPTIONS)
      throw new SubscriptionLimitError(
        `Creon allows at most ${CREON_MAX_SUBSCRIPTIONS} real-time subscriptions; ${symbol} would be number ${this.symbols.size + 1}`,
      );
    this.symbols.add(symbol);
    this.send({ op: "subscribe", code: toCreonCode(symbol) });
  }

  unsubscribe(symbol: string): void {
    if (this.symbols.delete(symbol)) this.send({ op: "unsubscribe", code: toCreonCode(symbol) });
  }

  private send(payload: object): void {
    if (this.connected) this.socket?.send(JSON.stringify(payload));
  }

  private connect(): void {
    if (this.stopped) return;
    const socket = new WebSocket(signedStreamUrl(this.options.baseUrl, this.options.secret));
    this.socket = socket;
    socket.onopen = () => {
      this.delay = this.options.reconnectMinMs ?? 250;
      for (const symbol of this.symbols) this.send({ op: "subscribe", code: toCreonCode(symbol) });
    };
    socket.onmessage = (event) => this.onMessage(String(event.data));
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    const wait = this.delay * (0.5 + Math.random() / 2);
    this.delay = Math.min(this.delay * 2, this.options.reconnectMaxMs ?? 10_000);
    this.reconnects++;
    this.options.logger.warn("Creon bridge stream closed; reconnecting", { waitMs: Math.round(wait) });
    this.timer = setTimeout(() => this.connect(), wait);
  }

  private onMessage(text: string): void {
    let parsed: StreamMessage;
    try {
      parsed = message.parse(JSON.parse(text));
    } catch (error) {
      this.options.logger.warn("unreadable Creon bridge message", { error: (error as Error).message });
      return;
    }
    switch (parsed.type) {
      case "trade":
        this.options.onTicks([parseTrade(parsed)]);
        return;
      case "execution":
        this.options.onExecution(parsed);
        return;
      case "error":
        this.options.logger.warn("Creon bridge stream error", { code: parsed.code, message: parsed.message });
        if (parsed.code === "SUBSCRIPTION_LIMIT" && parsed.subject) {
          const symbol = fromCreonCode(parsed.subject);
          this.symbols.delete(symbol);
          this.options.onRefused?.(symbol, parsed.message);
        }
        return;
      default:
        return;
    }
  }
}

/** A StockCur trade to a JTS tick; KST date and time to epoch ns. */
export function parseTrade(trade: TradeEvent): Tick {
  const y = Number(trade.date.slice(0, 4));
  const mo = Number(trade.date.slice(4, 6));
  const d = Number(trade.date.slice(6, 8));
  const [h, mi, s] = [trade.time.slice(0, 2), trade.time.slice(2, 4), trade.time.slice(4, 6)].map(Number);
  const ms = Date.UTC(y, mo - 1, d, (h as number) - 9, mi, s);
  return {
    symbol: fromCreonCode(trade.code),
    venue: "creon",
    price: trade.price,
    quantity: trade.volume,
    aggressor: trade.side,
    // StockCur has no trade id; the day's cumulative volume is unique per trade.
    tradeId: `${trade.date}-${trade.cumulativeVolume}`,
    tsEvent: msToNs(ms).toString(),
  };
}
