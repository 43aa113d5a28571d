import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { exportConsumerLag } from "../consumer-lag.ts";
import { envelope } from "../events/envelope.ts";
import { MemoryEventBus } from "../events/memory.ts";
import { createServiceApp, metricsOf } from "../http.ts";
import { MetricsRegistry } from "../metrics.ts";
import { eventually } from "../testing/eventually.ts";
import { silentLogger } from "../testing/logger.ts";
import { serverUrl } from "../testing/servers.ts";
import { KafkaEventBus } from "./event-bus.ts";

// jts_consumer_lag_messages{group,topic} (alert ConsumerLagHigh), read from /metrics.
const brokers = serverUrl("KAFKA_BROKERS");

/** The lag series of a /metrics text: "group topic" -> value. */
function lagSeries(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const match of text.matchAll(/^jts_consumer_lag_messages\{group="([^"]+)",topic="([^"]+)"\} (\d+)$/gm))
    series.set(`${match[1]} ${match[2]}`, Number(match[3]));
  return series;
}

describe("consumer lag on /metrics", () => {
  it("a service app's registry is the one its /metrics renders, and a bus without groups exports nothing", async () => {
    const metrics = new MetricsRegistry();
    const app = createServiceApp({ name: "lagless", logger: silentLogger, metrics });
    expect(metricsOf(app)).toBe(metrics);
    expect(exportConsumerLag(new MemoryEventBus(), metrics)).toBe(false);
    const text = await (await app.handle(new Request("http://localhost/metrics"))).text();
    expect(text).not.toContain("jts_consumer_lag_messages");
  });
});

describe.skipIf(!brokers)(`Kafka consumer lag${brokers ? "" : " (skipped: KAFKA_BROKERS not set)"}`, () => {
  const namespace = `lag${Date.now()}.`;
  let bus: KafkaEventBus;
  beforeAll(async () => {
    bus = await KafkaEventBus.create({ brokers: (brokers as string).split(","), namespace, topics: [] });
  }, 30_000);
  afterAll(async () => {
    await bus.close();
  });

  it("counts the messages a stuck consumer group has not finished, and falls to 0 once it catches up", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const handled: number[] = [];
    await bus.subscribe(
      "lag.orders",
      async (event) => {
        await gate;
        handled.push((event.payload as { n: number }).n);
      },
      { group: "lag-consumer" },
    );
    const metrics = new MetricsRegistry();
    const app = createServiceApp({ name: "lagging", logger: silentLogger, metrics });
    expect(exportConsumerLag(bus, metrics)).toBe(true);
    const scrape = async () => lagSeries(await (await app.handle(new Request("http://localhost/metrics"))).text());
    const key = `lag-consumer.lag.orders ${namespace}lag.orders`;
    // Nothing published yet: the group is at the end of its topic.
    expect((await scrape()).get(key)).toBe(0);

    for (let n = 1; n <= 5; n++) await bus.publish("lag.orders", envelope("T", "test", `k${n}`, { n }));
    // The first message is stuck in the handler: none is committed, all five are behind.
    await eventually(async () => expect((await scrape()).get(key)).toBe(5), 10_000);

    release();
    await eventually(() => expect(handled.length).toBe(5), 10_000);
    await eventually(async () => expect((await scrape()).get(key)).toBe(0), 15_000);
  }, 40_000);
});
