import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { Envelope } from "@jts/contracts";
import { envelope } from "../events/envelope.ts";
import { eventually } from "../testing/eventually.ts";
import { testKafkaClient } from "../testing/kafka.ts";
import { serverUrl } from "../testing/servers.ts";
import { KafkaEventBus } from "./event-bus.ts";

const brokers = serverUrl("KAFKA_BROKERS");

describe.skipIf(!brokers)(`Kafka poison messages${brokers ? "" : " (skipped: KAFKA_BROKERS not set)"}`, () => {
  const namespace = `poison${Date.now()}.`;
  let bus: KafkaEventBus;
  beforeAll(async () => {
    bus = await KafkaEventBus.create({ brokers: (brokers as string).split(","), namespace, topics: [] });
  }, 30_000);
  afterAll(async () => {
    await bus.close();
  });

  it("sends invalid JSON and a wrong shape to the dead-letter topic and keeps consuming", async () => {
    const good: number[] = [];
    const dead: Envelope[] = [];
    await bus.subscribe("p.orders", (e) => void good.push((e.payload as { n: number }).n), {
      group: "poison-consumer",
    });
    await bus.subscribe("dlq.p.orders", (e) => void dead.push(e), { group: "poison-dlq" });

    const raw = testKafkaClient(brokers as string, { clientId: "poisoner" }).producer();
    await raw.connect();
    await bus.publish("p.orders", envelope("T", "test", "k", { n: 1 }));
    await raw.send({
      topic: `${namespace}p.orders`,
      messages: [{ key: "k", value: "{not json", headers: { "jts-topic": "p.orders" } }],
    });
    await raw.send({
      topic: `${namespace}p.orders`,
      messages: [{ key: "k", value: '{"hello":"world"}', headers: { "jts-topic": "p.orders" } }],
    });
    await bus.publish("p.orders", envelope("T", "test", "k", { n: 2 }));
    await raw.disconnect();

    await eventually(() => {
      expect(good).toEqual([1, 2]);
      expect(dead.map((d) => (d.payload as { error: string }).error).sort()).toEqual([
        "message is not JSON",
        "message is not an event envelope",
      ]);
    }, 20_000);
    expect((dead[0] as Envelope<{ topic: string }>).payload.topic).toBe("p.orders");
  }, 40_000);
});
