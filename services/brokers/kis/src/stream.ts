import { SymbolSocket } from "@jts/broker-kit";
import type { Tick } from "@jts/contracts";
import type { Logger } from "@jts/kit";
import { KIS_MAX_REGISTRATIONS } from "./constants.ts";
import { parseRealtimeFrame, subscribeMessage } from "./parse-realtime.ts";

export interface KisStreamOptions {
  url: string;
  /** Fresh approval key for each connection (POST /oauth2/Approval). */
  approvalKey: () => Promise<string>;
  onTicks: (ticks: Tick[]) => void;
  logger: Logger;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
}

/**
 * The real-time trade feed on the kit's VenueSocket: each connection gets a
 * fresh approval key and registers every symbol again, PINGPONG heartbeats
 * are echoed as KIS requires, and a dropped socket is reopened with the
 * socket's exponential back-off with jitter.
 */
export class KisStream extends SymbolSocket {
  private approval: string | null = null;

  constructor(private readonly options: KisStreamOptions) {
    super({
      name: "kis-realtime",
      url: async () => {
        this.approval = await options.approvalKey();
        return options.url;
      },
      maxSymbols: KIS_MAX_REGISTRATIONS,
      limitMessage: () => `KIS allows ${KIS_MAX_REGISTRATIONS} real-time registrations per app key`,
      frame: (symbol, register) => (this.approval ? subscribeMessage(this.approval, symbol, register) : null),
      onMessage: (text) => this.onFrame(text),
      backoff: { initialMs: options.reconnectMinMs ?? 250, maxMs: options.reconnectMaxMs ?? 10_000 },
      logger: options.logger,
    });
  }

  private onFrame(text: string): void {
    const frame = parseRealtimeFrame(text);
    switch (frame.kind) {
      case "ticks":
        this.options.onTicks(frame.ticks);
        return;
      case "pingpong":
        this.send(frame.raw);
        return;
      case "ack":
        if (frame.ok) return;
        this.options.logger.warn("KIS refused a registration", { ...frame });
        // A stale approval key: reconnect, which fetches a new key and registers everything again.
        if (/approval/i.test(frame.message)) this.reconnect();
        return;
      case "invalid":
        this.options.logger.warn("unreadable KIS real-time frame", { reason: frame.reason });
        return;
      default:
        return;
    }
  }
}
