import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { randomBytes } from "node:crypto";
import { envelope } from "../events/envelope.ts";
import { eventually } from "../testing/eventually.ts";
import { serverUrl } from "../testing/servers.ts";
import { KafkaEventBus } from "./event-bus.ts";

// Coalesced publishes share one produce request across topics and partitions. kafkajs rolls back the idempotent
// sequence numbers of every partition of a failed request, even those the broker stored; the next publish to such
// a partition was then dropped by the broker as a duplicate while its promise resolved (a silent loss).
const brokers = serverUrl("KAFKA_BROKERS");

describe.skipIf(!brokers)(`Kafka coalesced publishes${brokers ? "" : " (skipped: KAFKA_BROKERS not set)"}`, () => {
  const namespace = `coalesce${Date.now()}.`;
  let bus: KafkaEventBus;
  beforeAll(async () => {
    bus = await KafkaEventBus.create({
      brokers: (brokers as string).split(","),
      namespace,
      topics: [
        { name: "good", partitions: 1 },
        { name: "small", partitions: 1, config: { "max.message.bytes": "2000" } },
      ],
    });
  }, 30_000);
  afterAll(async () => {
    await bus.close();
  });

  it("a message the broker refuses in a shared request fails alone: the next publish to the other topic is stored", async () => {
    const stored: string[] = [];
    await bus.subscribe("good", (e) => void stored.push(e.payload as string), { group: "reader" });
    // Random bytes, so LZ4 cannot shrink it under the topic's 2000 bytes.
    const tooLarge = envelope("T", "test", "k", { blob: randomBytes(50_000).toString("base64") });
    // One turn of the event loop: both leave in one produce request.
    const outcomes = Promise.allSettled([
      bus.publish("good", envelope("T", "test", "k", "order-event-1")),
      bus.publish("small", tooLarge),
    ]);
    const [first, second] = await outcomes;
    expect(first.status).toBe("fulfilled"); // stored (perhaps twice: at-least-once)
    expect(second.status).toBe("rejected");
    expect(String((second as PromiseRejectedResult).reason)).toMatch(/larger than the max message size/);
    await bus.publish("good", envelope("T", "test", "k", "order-event-2"));
    await eventually(() => expect(stored.at(-1)).toBe("order-event-2"), 20_000);
    // order-event-1 was stored by the failed request and again by its re-send (its partition's sequence was rolled
    // back, so the broker could not tell): one event id, handed to the handler once.
    expect(stored).toEqual(["order-event-1", "order-event-2"]);
    // The refused message's partition takes the next one too (no OUT_OF_ORDER_SEQUENCE_NUMBER from then on).
    await bus.publish("small", envelope("T", "test", "k", "fits"));
  }, 60_000);
});
