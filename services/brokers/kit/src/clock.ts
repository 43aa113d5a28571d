import type { Logger } from "@jts/kit";

export interface ServerClockOptions {
  /** How often the offset is measured again; default 10 minutes (clocks drift, venues check timestamps). */
  refreshMs?: number;
  logger?: Logger;
  localNow?: () => number;
}

/**
 * The venue's clock as seen from here. Signed requests carry a timestamp the
 * venue compares with its own (Binance refuses one outside recvWindow), so the
 * offset is measured at start and refreshed: offset = server time minus the
 * midpoint of the round trip that asked for it.
 */
export class ServerClock {
  private offset = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private retryTimer: ReturnType<typeof setInterval> | undefined;
  private readonly localNow: () => number;

  constructor(
    private readonly fetchServerTimeMs: () => Promise<number>,
    private readonly options: ServerClockOptions = {},
  ) {
    this.localNow = options.localNow ?? Date.now;
  }

  /** Measures the offset once; returns it in ms. */
  async sync(): Promise<number> {
    const sent = this.localNow();
    const server = await this.fetchServerTimeMs();
    const received = this.localNow();
    this.offset = Math.round(server - (sent + received) / 2);
    this.options.logger?.debug("server clock offset", { offsetMs: this.offset, roundTripMs: received - sent });
    return this.offset;
  }

  /**
   * Measures once and then every `refreshMs`. A venue that does not answer at
   * start leaves the offset at 0 and is asked again every 5 s until it does,
   * rather than failing the service's start.
   */
  async start(): Promise<void> {
    try {
      await this.sync();
    } catch (error) {
      this.options.logger?.warn("server clock not measured yet; retrying", { error });
      const retry = setInterval(() => {
        this.sync()
          .then(() => clearInterval(retry))
          .catch(() => undefined);
      }, 5_000);
      retry.unref?.();
      this.retryTimer = retry;
    }
    this.timer = setInterval(() => {
      this.sync().catch((error) => this.options.logger?.warn("server clock refresh failed", { error }));
    }, this.options.refreshMs ?? 600_000);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.retryTimer) clearInterval(this.retryTimer);
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Venue time in ms. */
  now(): number {
    return this.localNow() + this.offset;
  }

  get offsetMs(): number {
    return this.offset;
  }
}
