import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { envelope } from "../events/envelope.ts";
import { serverUrl } from "../testing/servers.ts";
import { KafkaEventBus } from "./event-bus.ts";

// kafkajs 2.2.4's RequestQueue scheduled its pending-request check after every response even with nothing
// pending, at throttledUntil - now (negative, so 1 ms), and again from that timer: every broker connection of
// every consumer, producer and admin ran a 1 ms timer loop for good (tulios/kafkajs#1704; Bun prints
// "TimeoutNegativeWarning"). patches/kafkajs@2.2.4.patch stops it; this fails if the patch is not applied.
const brokers = serverUrl("KAFKA_BROKERS");

describe.skipIf(!brokers)(`kafkajs idle timers${brokers ? "" : " (skipped: KAFKA_BROKERS not set)"}`, () => {
  const namespace = `idle${Date.now()}.`;
  let bus: KafkaEventBus;
  beforeAll(async () => {
    bus = await KafkaEventBus.create({
      brokers: (brokers as string).split(","),
      namespace,
      topics: [{ name: "idle", partitions: 1 }],
    });
  }, 30_000);
  afterAll(async () => {
    await bus.close();
  });

  it("an idle bus with a subscription schedules no timer with a negative delay and few timers at all", async () => {
    await bus.subscribe("idle", () => {}, { group: "idle-reader" });
    await bus.publish("idle", envelope("T", "test", "k", "warm"));
    const original = globalThis.setTimeout;
    let negative = 0;
    let scheduled = 0;
    const counting = ((handler: () => void, delay?: number, ...rest: unknown[]) => {
      scheduled++;
      if (typeof delay === "number" && delay < 0) negative++;
      return original(handler, delay, ...rest);
    }) as typeof setTimeout;
    globalThis.setTimeout = counting;
    try {
      await Bun.sleep(1000);
    } finally {
      globalThis.setTimeout = original;
    }
    expect(negative).toBe(0);
    // What an idle subscription needs: a fetch held 500 ms, a heartbeat every 500 ms, the offset committer.
    // The unpatched loop alone is ~1000 a second per connection.
    expect(scheduled).toBeLessThan(100);
  }, 60_000);
});
