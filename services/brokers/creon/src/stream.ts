import { SymbolSocket } from "@jts/broker-kit";
import type { Tick } from "@jts/contracts";
import { compile, type Logger } from "@jts/kit";
import { signedStreamUrl } from "./auth.ts";
import { CREON_MAX_SUBSCRIPTIONS } from "./constants.ts";
import { type ExecutionEvent, fromCreonCode, parseTrade, StreamMessage, toCreonCode } from "./parse.ts";

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
 * The bridge's WebSocket on the kit's VenueSocket: StockCur trades and
 * CpConclusion executions. Each connection is signed afresh and subscribes
 * every symbol again; a 401st subscription is refused here with a clear
 * error before it reaches the bridge.
 */
export class CreonStream extends SymbolSocket {
  constructor(private readonly options: CreonStreamOptions) {
    super({
      name: "creon-bridge",
      // The signature carries a timestamp and a one-time nonce: a new one per connection.
      url: () => signedStreamUrl(options.baseUrl, options.secret),
      maxSymbols: CREON_MAX_SUBSCRIPTIONS,
      limitMessage: (symbol, count) =>
        `Creon allows at most ${CREON_MAX_SUBSCRIPTIONS} real-time subscriptions; ${symbol} would be number ${count}`,
      frame: (symbol, subscribe) =>
        JSON.stringify({ op: subscribe ? "subscribe" : "unsubscribe", code: toCreonCode(symbol) }),
      onMessage: (text) => this.onMessage(text),
      heartbeat: { everyMs: options.pingMs ?? 20_000, message: JSON.stringify({ op: "ping" }) },
      backoff: { initialMs: options.reconnectMinMs ?? 250, maxMs: options.reconnectMaxMs ?? 10_000 },
      logger: options.logger,
    });
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
          this.forget(symbol);
          this.options.onRefused?.(symbol, parsed.message);
        }
        return;
      default:
        return;
    }
  }
}
