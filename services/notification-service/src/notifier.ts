import type { Alert } from "@jts/contracts";
import { type Counter, type Logger, MetricsRegistry } from "@jts/kit";
import type { Channel, ChannelName } from "./channels/channel.ts";
import { type RetryPolicy, withRetry } from "./retry.ts";
import type { Notice } from "./rules.ts";
import type { Suppressor } from "./suppressor.ts";

/** Which external channels each alert kind goes to; a kind not listed goes nowhere outside the app. */
export type Routes = ReadonlyMap<Alert["kind"], readonly ChannelName[]>;

export interface NotifierOptions {
  channels: readonly Channel[];
  /** Fixed routes, or the channels an alert goes to when it is sent (the users' rules, editable at run time). */
  routes: Routes | ((alert: Alert) => readonly ChannelName[]);
  suppressor: Suppressor;
  retry: RetryPolicy;
  logger: Logger;
  /** In-app delivery (the alert list and the /ws hub); every admitted alert goes there. */
  inApp(alert: Alert): Promise<void>;
  sleep?: (ms: number) => Promise<void>;
  /** Where the delivery counters are rendered (the service's /metrics). */
  metrics?: MetricsRegistry;
}

export interface DeliveryStats {
  sent: number;
  failed: number;
  retried: number;
  suppressed: number;
}

/**
 * Sends each notice once: a repeat within the window is dropped, the rest go
 * in-app at once and to their routed channels in the background, each
 * channel retried with exponential backoff on its own, so a slow or failing
 * receiver delays neither the others nor the event stream.
 */
export class Notifier {
  readonly stats: DeliveryStats = { sent: 0, failed: 0, retried: 0, suppressed: 0 };
  private readonly pending = new Set<Promise<void>>();
  private readonly byName: Map<ChannelName, Channel>;
  private readonly deliveries: Counter;
  private readonly suppressed: Counter;

  constructor(private readonly options: NotifierOptions) {
    this.byName = new Map(options.channels.map((c) => [c.name, c]));
    const metrics = options.metrics ?? new MetricsRegistry();
    this.deliveries = metrics.counter("notification_deliveries_total", "Tries to send an alert by channel and outcome");
    this.suppressed = metrics.counter("notification_suppressed_total", "Notices dropped as repeats");
  }

  /** False when the notice was a repeat and dropped. */
  async notify(notice: Notice | null): Promise<boolean> {
    if (!notice) return false;
    if (!this.options.suppressor.admit(notice.key)) {
      this.stats.suppressed++;
      this.suppressed.inc();
      this.options.logger.debug("repeat notification suppressed", { key: notice.key });
      return false;
    }
    try {
      await this.options.inApp(notice.alert);
    } catch (error) {
      // The bus will redeliver the event: that copy must not count as a repeat.
      this.options.suppressor.forget(notice.key);
      throw error;
    }
    const { routes } = this.options;
    const names = typeof routes === "function" ? routes(notice.alert) : (routes.get(notice.alert.kind) ?? []);
    for (const name of names) {
      const channel = this.byName.get(name);
      if (channel) this.track(this.deliver(channel, notice.alert));
    }
    return true;
  }

  /** Resolves when every delivery started so far has succeeded or given up. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private async deliver(channel: Channel, alert: Alert): Promise<void> {
    const { logger, retry, sleep } = this.options;
    try {
      await withRetry(
        () => channel.send(alert),
        retry,
        (error, attempt, delayMs) => {
          this.stats.retried++;
          this.deliveries.inc({ channel: channel.name, outcome: "retried" });
          logger.warn("notification delivery failed, retrying", {
            channel: channel.name,
            alertId: alert.id,
            attempt,
            delayMs,
            error: (error as Error).message,
          });
        },
        sleep,
      );
      this.stats.sent++;
      this.deliveries.inc({ channel: channel.name, outcome: "sent" });
    } catch (error) {
      this.stats.failed++;
      this.deliveries.inc({ channel: channel.name, outcome: "failed" });
      logger.error("notification not delivered", {
        channel: channel.name,
        alertId: alert.id,
        error: (error as Error).message,
      });
    }
  }

  private track(delivery: Promise<void>) {
    this.pending.add(delivery);
    void delivery.finally(() => this.pending.delete(delivery));
  }
}
