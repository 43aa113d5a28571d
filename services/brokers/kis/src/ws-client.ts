import type { Tick } from "@jts/contracts";
import type { Logger } from "@jts/kit";
import { parseRealtimeFrame, subscribeMessage } from "./realtime.ts";

/** KIS allows 41 real-time registrations per app key (notice of 2025-08). */
export const KIS_MAX_REGISTRATIONS = 41;

export interface KisStreamOptions {
  url: string;
  /** Fresh approval key for each connection (POST /oauth2/Approval). */
  approvalKey: () => Promise<string>;
  onTicks: (ticks: Tick[]) => void;
  logger: Logger;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
}

export class SubscriptionLimitError extends Error {}

/**
 * The real-time trade feed: one socket, every symbol registered again after
 * a reconnect, PINGPONG heartbeats echoed as KIS requires. A dropped socket
 * is reopened with exponential back-off (with jitter, so replicas do not
 * reconnect in lockstep), reset once a connection opens.
 */
export class KisStream {
  private readonly symbols = new Set<string>();
  private socket: WebSocket | null = null;
  private approval: string | null = null;
  private stopped = true;
  private delay: number;
  private timer: ReturnType<typeof setTimeout> | null = null;
  reconnects = 0;

  constructor(private readonly options: KisStreamOptions) {
    this.delay = options.reconnectMinMs ?? 250;
  }

  get connected(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.socket?.close();
    this.socket = null;
  }

  subscribe(symbol: string): void {
    if (this.symbols.has(symbol)) return;
    if (this.symbols.size >= KIS_MAX_REGISTRATIONS)
      throw new SubscriptionLimitError(`KIS allows ${KIS_MAX_REGISTRATIONS} real-time registrations per app key`);
    this.symbols.add(symbol);
    this.send(symbol, true);
  }

  unsubscribe(symbol: string): void {
    if (this.symbols.delete(symbol)) this.send(symbol, false);
  }

  private send(symbol: string, register: boolean): void {
    if (this.connected && this.approval) this.socket?.send(subscribeMessage(this.approval, symbol, register));
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    try {
      this.approval = await this.options.approvalKey();
    } catch (error) {
      this.options.logger.warn("KIS approval key request failed", { error });
      this.scheduleReconnect();
      return;
    }
    const socket = new WebSocket(this.options.url);
    this.socket = socket;
    socket.onopen = () => {
      this.delay = this.options.reconnectMinMs ?? 250;
      for (const symbol of this.symbols) this.send(symbol, true);
    };
    socket.onmessage = (event) => this.onFrame(socket, String(event.data));
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
    this.options.logger.warn("KIS real-time socket closed; reconnecting", { waitMs: Math.round(wait) });
    this.timer = setTimeout(() => void this.connect(), wait);
  }

  private onFrame(socket: WebSocket, text: string): void {
    const frame = parseRealtimeFrame(text);
    switch (frame.kind) {
      case "ticks":
        this.options.onTicks(frame.ticks);
        return;
      case "pingpong":
        socket.send(frame.raw);
        return;
      case "ack":
        if (frame.ok) return;
        this.options.logger.warn("KIS refused a registration", { ...frame });
        // A stale approval key: reconnect, which fetches a new key and registers everything again.
        if (/approval/i.test(frame.message)) socket.close();
        return;
      case "invalid":
        this.options.logger.warn("unreadable KIS real-time frame", { reason: frame.reason });
        return;
      default:
        return;
    }
  }
}
