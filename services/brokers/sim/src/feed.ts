import type { EventBus } from "@jts/contracts";
import { EventTypes, nowNs, Topics } from "@jts/contracts";
import { envelope, type Logger } from "@jts/kit";
import type { SimMarket } from "./market.ts";

/** Drives a SimMarket on a timer and publishes its quotes and ticks. */
export class SimFeed {
  private timer: ReturnType<typeof setInterval> | null = null;
  private published = 0;
  private last = new Map<string, string>();

  constructor(
    private readonly market: SimMarket,
    private readonly bus: EventBus,
    private readonly logger: Logger,
    readonly intervalMs: number,
  ) {}

  get running(): boolean {
    return this.timer !== null;
  }

  status() {
    return {
      running: this.running,
      intervalMs: this.intervalMs,
      published: this.published,
      last: Object.fromEntries(this.last),
    };
  }

  start() {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.publishStep().catch((error) => this.logger.error("sim step failed", { error }));
    }, this.intervalMs);
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async publishStep(): Promise<void> {
    for (const { quote, ticks } of this.market.step(nowNs())) {
      await this.bus.publish(
        Topics.quote(quote.venue, quote.symbol),
        envelope(EventTypes.quote, "sim", quote.symbol, quote, quote.tsEvent),
      );
      for (const tick of ticks) {
        await this.bus.publish(
          Topics.tick(tick.venue, tick.symbol),
          envelope(EventTypes.tick, "sim", tick.symbol, tick, tick.tsEvent),
        );
        this.last.set(tick.symbol, tick.price);
      }
      this.published += 1 + ticks.length;
    }
  }
}
