import type { Logger } from "@jts/kit";
import type { VenueMetrics } from "./venue-metrics.ts";

export interface ServerClockOptions {
  /** How often the offset is measured again; default 10 minutes (clocks drift, venues check timestamps). */
  refreshMs?: number;
  logger?: Logger;
  localNow?: () => number;
  /** Reports every measured offset (jts_venue_clock_offset_seconds). */
  metrics?: Pick<VenueMetrics, "clockOffsetMs">;
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
    this.options.metrics?.clockOffsetMs(this.offset);
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

export interface HttpDateClockOptions {
  /** Samples older than this are dropped, so a drifting or stepped clock is followed; default 10 minutes. */
  windowMs?: number;
  /** Reports the offset after every sample that moves it (jts_venue_clock_offset_seconds). */
  metrics?: Pick<VenueMetrics, "clockOffsetMs">;
  localNow?: () => number;
}

interface DateSample {
  at: number;
  /** The offset lies in [low, high): what this answer's Date header and round trip allow. */
  low: number;
  high: number;
}

/**
 * The venue's clock read off the HTTP `Date` header of its answers, for
 * venues with no time endpoint (KIS, Upbit). A Date header has whole
 * seconds, so one answer only says the offset lies in a window: the venue
 * stamped second D somewhere in the round trip [sent, received], so
 * offset is in [D - received, D + 1 s - sent). Answers at different
 * sub-second phases cut that window down; the estimate is the middle of the
 * intersection of the recent answers' windows (within `windowMs`), which
 * after a few dozen answers is about a round trip wide. Windows that do not
 * meet mean the clock stepped: the older samples are dropped.
 */
export class HttpDateClock {
  private samples: DateSample[] = [];
  private offset: number | null = null;
  private lastSampleAt: number | null = null;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly localNow: () => number;

  constructor(private readonly options: HttpDateClockOptions = {}) {
    this.localNow = options.localNow ?? Date.now;
  }

  /** One answer: its Date header (ignored when absent or unreadable) and local ms when it was sent and answered. */
  observe(date: string | null, sentMs: number, receivedMs: number): void {
    const stamped = date === null ? Number.NaN : Date.parse(date);
    if (!Number.isFinite(stamped)) return;
    this.lastSampleAt = this.localNow();
    const sample = { at: receivedMs, low: stamped - receivedMs, high: stamped + 1000 - sentMs };
    const since = this.localNow() - (this.options.windowMs ?? 600_000);
    this.samples = this.samples.filter((s) => s.at >= since && s.high > sample.low && s.low < sample.high);
    this.samples.push(sample);
    if (this.samples.length > 256) this.samples.shift();
    let low = Number.NEGATIVE_INFINITY;
    let high = Number.POSITIVE_INFINITY;
    for (const s of this.samples) {
      low = Math.max(low, s.low);
      high = Math.min(high, s.high);
    }
    if (low >= high) {
      // Older windows met the newest one but not each other: keep the newest alone.
      this.samples = [sample];
      ({ low, high } = sample);
    }
    this.offset = Math.round((low + high) / 2);
    this.options.metrics?.clockOffsetMs(this.offset);
  }

  /**
   * Keeps the reading fresh on a quiet connection: every `everyMs` (the
   * first time `everyMs` after start), when no answer came since the last
   * check, `probe` makes one cheap venue call (through the HTTP client that
   * feeds `observe`). A failed probe is logged and tried again at the next tick.
   */
  start(probe: () => Promise<unknown>, everyMs = 60_000, logger?: Logger): void {
    const ask = () => {
      if (this.lastSampleAt !== null && this.localNow() - this.lastSampleAt < everyMs) return;
      probe().catch((error) => logger?.warn("venue clock probe failed", { error }));
    };
    this.timer = setInterval(ask, everyMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Venue time minus local time in ms, null before the first answer. */
  get offsetMs(): number | null {
    return this.offset;
  }

  /** How wide the current estimate's window is, ms (its error is at most half of it). */
  get uncertaintyMs(): number | null {
    if (this.samples.length === 0) return null;
    const low = Math.max(...this.samples.map((s) => s.low));
    const high = Math.min(...this.samples.map((s) => s.high));
    return high - low;
  }
}
