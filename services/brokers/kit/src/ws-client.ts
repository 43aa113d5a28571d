import type { Logger } from "@jts/kit";

export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  factor?: number;
}

export interface VenueSocketOptions {
  name: string;
  /** A URL, or a function for URLs that change per connection (Binance listenKey). */
  url: string | (() => string | Promise<string>);
  /** Headers for the upgrade request, made per connection (Upbit's private socket wants a fresh JWT). */
  headers?: () => Record<string, string>;
  /** Runs on every (re)connection before frames flow: send subscriptions here. */
  onOpen?: (send: (data: string) => void) => void | Promise<void>;
  onMessage: (data: string) => void;
  backoff?: BackoffOptions;
  /** An application-level ping for venues that want one (Upbit closes idle sockets after ~120 s). */
  heartbeat?: { everyMs: number; message: string };
  /** No frame (data, ping or pong) for this long means the link is dead: reconnect. */
  staleAfterMs?: number;
  /**
   * Replace the connection after this long (Binance closes them at 24 h). The
   * new socket is opened and subscribed before the old one closes, so no
   * frame is lost; a few may arrive twice and consumers dedupe by id.
   */
  rotateAfterMs?: number;
  logger?: Logger;
}

export interface SocketStats {
  connects: number;
  reconnects: number;
  rotations: number;
  frames: number;
  handlerErrors: number;
}

/**
 * A venue WebSocket that stays up: reconnects with exponential backoff and
 * jitter, detects a silent link, answers server pings (Bun answers protocol
 * pings itself; `staleAfterMs` catches a peer that stops pinging), sends
 * application heartbeats and rotates connections before the venue's cut-off.
 */
export class VenueSocket {
  private socket: WebSocket | undefined;
  private stopped = true;
  private attempt = 0;
  private lastFrameAt = 0;
  private timers: ReturnType<typeof setTimeout>[] = [];
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  readonly stats: SocketStats = { connects: 0, reconnects: 0, rotations: 0, frames: 0, handlerErrors: 0 };

  constructor(private readonly options: VenueSocketOptions) {}

  get connected(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.connect();
    const staleAfter = this.options.staleAfterMs;
    if (staleAfter) {
      this.every(Math.max(50, Math.floor(staleAfter / 4)), () => {
        if (this.connected && Date.now() - this.lastFrameAt > staleAfter) {
          this.options.logger?.warn("socket silent, reconnecting", { socket: this.options.name });
          this.socket?.close(4000, "stale");
        }
      });
    }
    const heartbeat = this.options.heartbeat;
    if (heartbeat) this.every(heartbeat.everyMs, () => this.connected && this.socket?.send(heartbeat.message));
    if (this.options.rotateAfterMs) this.every(this.options.rotateAfterMs, () => void this.rotate());
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const socket = this.socket;
    this.socket = undefined;
    socket?.close(1000, "stop");
  }

  send(data: string): void {
    if (!this.connected) throw new Error(`${this.options.name}: not connected`);
    this.socket?.send(data);
  }

  /**
   * Drops the current connection; it comes back (re-subscribed through
   * `onOpen`) as after a failure. For a venue that refuses something tied to
   * the session (KIS: a stale approval key) until a new connection is made.
   */
  reconnect(): void {
    this.socket?.close(4001, "reconnect");
  }

  /** Waits until connected (tests, start-up). */
  async waitConnected(timeoutMs = 5_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!this.connected) {
      if (Date.now() > until) throw new Error(`${this.options.name}: not connected after ${timeoutMs} ms`);
      await Bun.sleep(10);
    }
  }

  private every(ms: number, run: () => unknown): void {
    const timer = setInterval(run, ms);
    timer.unref?.();
    this.timers.push(timer);
  }

  private async open(): Promise<WebSocket> {
    const url = typeof this.options.url === "string" ? this.options.url : await this.options.url();
    // Bun's WebSocket takes upgrade headers as a second-argument option.
    const socket = this.options.headers
      ? new WebSocket(url, { headers: this.options.headers() } as unknown as string[])
      : new WebSocket(url);
    // Venues send JSON in binary frames too (Upbit); read them as bytes, not Blobs.
    socket.binaryType = "arraybuffer";
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener("open", () => resolve(), { once: true });
      socket.addEventListener("error", () => reject(new Error("connect failed")), { once: true });
      socket.addEventListener("close", () => reject(new Error("closed while connecting")), { once: true });
    });
    socket.addEventListener("message", (event) => {
      this.lastFrameAt = Date.now();
      if (socket !== this.socket) return; // the old half of a rotation
      this.stats.frames++;
      const data = typeof event.data === "string" ? event.data : Buffer.from(event.data as ArrayBuffer).toString();
      try {
        this.options.onMessage(data);
      } catch (error) {
        // A frame we cannot handle is logged and dropped; the stream goes on.
        this.stats.handlerErrors++;
        this.options.logger?.warn("socket frame handler failed", { socket: this.options.name, error });
      }
    });
    try {
      await this.options.onOpen?.((data) => socket.send(data));
    } catch (error) {
      socket.close(1011, "subscribe failed");
      throw error;
    }
    return socket;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    try {
      const socket = await this.open();
      if (this.stopped) {
        socket.close(1000, "stop");
        return;
      }
      this.adopt(socket);
      this.attempt = 0;
    } catch (error) {
      this.options.logger?.warn("socket connect failed", { socket: this.options.name, error });
      this.scheduleReconnect();
    }
  }

  private adopt(socket: WebSocket): void {
    this.socket = socket;
    this.lastFrameAt = Date.now();
    this.stats.connects++;
    socket.addEventListener("close", (event) => {
      if (socket !== this.socket || this.stopped) return;
      this.options.logger?.warn("socket closed", { socket: this.options.name, code: event.code });
      this.socket = undefined;
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    const { initialMs = 250, maxMs = 30_000, factor = 2 } = this.options.backoff ?? {};
    const base = Math.min(maxMs, initialMs * factor ** this.attempt);
    this.attempt++;
    this.stats.reconnects++;
    // Full jitter halves the thundering herd when a venue drops every client at once.
    const delay = base / 2 + Math.random() * (base / 2);
    this.reconnectTimer = setTimeout(() => void this.connect(), delay);
  }

  private async rotate(): Promise<void> {
    if (this.stopped || !this.connected) return;
    try {
      const fresh = await this.open();
      const old = this.socket;
      if (this.stopped) {
        fresh.close(1000, "stop");
        return;
      }
      this.adopt(fresh);
      this.stats.rotations++;
      old?.close(1000, "rotated");
    } catch (error) {
      this.options.logger?.warn("socket rotation failed; keeping the old one", { socket: this.options.name, error });
    }
  }
}
