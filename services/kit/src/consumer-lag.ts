import type { EventBus } from "@jts/contracts";
import type { MetricsRegistry } from "./metrics.ts";

/** One consumer group's lag on its topic, in messages (KafkaEventBus.consumerLag). */
export interface ConsumerLag {
  group: string;
  topic: string;
  lag: number;
}

/** A bus that can tell how far behind its consumer groups are: the Kafka bus. */
interface ConsumerLagSource {
  consumerLag(): Promise<ConsumerLag[]>;
}

function hasConsumerLag(bus: EventBus): bus is EventBus & ConsumerLagSource {
  return typeof (bus as Partial<ConsumerLagSource>).consumerLag === "function";
}

/**
 * jts_consumer_lag_messages{group,topic} on `metrics`, asked of the bus at each
 * scrape (alert ConsumerLagHigh, host/docker/prometheus/alerts.yml). Rebuilt whole
 * each time, so a group that unsubscribed leaves no stale series. False, and
 * nothing exported, for a bus without consumer groups (memory, JetStream).
 */
export function exportConsumerLag(bus: EventBus, metrics: MetricsRegistry): boolean {
  if (!hasConsumerLag(bus)) return false;
  const gauge = metrics.gauge("jts_consumer_lag_messages", "Messages a consumer group is behind on its topic");
  metrics.onScrape(async () => {
    const lags = await bus.consumerLag();
    gauge.reset();
    for (const { group, topic, lag } of lags) gauge.set(lag, { group, topic });
  });
  return true;
}
