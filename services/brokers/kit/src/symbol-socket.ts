import { VenueSocket, type VenueSocketOptions } from "./ws-client.ts";

/** A real-time subscription past the venue's cap, refused here before it reaches the venue. */
export class SubscriptionLimitError extends Error {
  readonly code = "SUBSCRIPTION_LIMIT";
}

export interface SymbolSocketOptions extends Omit<VenueSocketOptions, "onOpen"> {
  /** The venue's cap on live subscriptions (KIS 41 per app key, Creon 400 per login). */
  maxSymbols: number;
  /** The message of the SubscriptionLimitError for `symbol`, which would be number `count`. */
  limitMessage: (symbol: string, count: number) => string;
  /** The frame that subscribes (true) or unsubscribes (false) a symbol; null while none can be sent. */
  frame: (symbol: string, subscribe: boolean) => string | null;
}

/**
 * A VenueSocket that keeps a capped set of symbols: each is subscribed when
 * added (if connected) and again on every (re)connection, so a dropped
 * socket comes back with the whole set. Venue streams (KIS, Creon) extend it
 * with their frame parsing.
 */
export class SymbolSocket {
  private readonly symbols = new Set<string>();
  private readonly socket: VenueSocket;
  private readonly limits: Pick<SymbolSocketOptions, "maxSymbols" | "limitMessage" | "frame">;

  constructor(options: SymbolSocketOptions) {
    const { maxSymbols, limitMessage, frame, ...socket } = options;
    this.limits = { maxSymbols, limitMessage, frame };
    this.socket = new VenueSocket({
      ...socket,
      onOpen: (send) => {
        for (const symbol of this.symbols) {
          const subscribe = frame(symbol, true);
          if (subscribe) send(subscribe);
        }
      },
    });
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  get reconnects(): number {
    return this.socket.stats.reconnects;
  }

  get subscribed(): number {
    return this.symbols.size;
  }

  start(): void {
    this.socket.start();
  }

  stop(): void {
    this.socket.stop();
  }

  /** Sends a frame on the open connection (a venue's heartbeat echo). */
  send(data: string): void {
    this.socket.send(data);
  }

  /** Drops the connection; it comes back subscribed to every symbol (see VenueSocket.reconnect). */
  reconnect(): void {
    this.socket.reconnect();
  }

  subscribe(symbol: string): void {
    if (this.symbols.has(symbol)) return;
    if (this.symbols.size >= this.limits.maxSymbols)
      throw new SubscriptionLimitError(this.limits.limitMessage(symbol, this.symbols.size + 1));
    this.symbols.add(symbol);
    this.sendFrame(symbol, true);
  }

  unsubscribe(symbol: string): void {
    if (this.symbols.delete(symbol)) this.sendFrame(symbol, false);
  }

  /** Forgets a symbol the venue refused, sending nothing. */
  forget(symbol: string): void {
    this.symbols.delete(symbol);
  }

  private sendFrame(symbol: string, subscribe: boolean): void {
    const frame = this.limits.frame(symbol, subscribe);
    if (frame && this.socket.connected) this.socket.send(frame);
  }
}
