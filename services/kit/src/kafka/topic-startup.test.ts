import { afterAll, describe, expect, it } from "bun:test";
import { envelope } from "../events/envelope.ts";
import { eventually } from "../testing/eventually.ts";
import { testKafkaClient } from "../testing/kafka.ts";
import { serverUrl } from "../testing/servers.ts";
import { KafkaEventBus } from "./event-bus.ts";

// A topic the controller has just created is not served at once: for a moment the broker answers "does not host
// this topic-partition" (its metadata cache lags the controller) or "not the leader" (the partition is still
// becoming leader). kafkajs' createTopics({ waitForLeaders }) retries neither, so the bench's first run on a fresh
// broker failed in KafkaEventBus.create. Topics the bus created must be usable once create()/subscribe() resolve.
const brokers = serverUrl("KAFKA_BROKERS");

describe.skipIf(!brokers)(`Kafka topic start-up${brokers ? "" : " (skipped: KAFKA_BROKERS not set)"}`, () => {
  const namespace = `startup${Date.now()}.`;
  const kafka = testKafkaClient(brokers ?? "", {
    clientId: "startup-test",
    // No retries: a partition that is not served yet fails the check instead of being waited out here.
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  const buses: KafkaEventBus[] = [];
  afterAll(async () => {
    await Promise.all(buses.map((bus) => bus.close()));
    const ours = (await admin.listTopics()).filter((t) => t.startsWith(namespace));
    if (ours.length > 0) await admin.deleteTopics({ topics: ours }).catch(() => {});
    await admin.disconnect();
  });

  it("every partition of the topics a new bus created answers at once (several rounds of fresh topics)", async () => {
    await admin.connect();
    for (let round = 0; round < 4; round++) {
      const topics = Array.from({ length: 8 }, (_, i) => ({ name: `r${round}.t${i}`, partitions: 3 }));
      const bus = await KafkaEventBus.create({ brokers: (brokers as string).split(","), namespace, topics });
      buses.push(bus);
      // ListOffsets goes to each partition's leader: it fails while a partition is not hosted or not led yet.
      const offsets = await Promise.all(topics.map((t) => admin.fetchTopicOffsets(namespace + t.name)));
      for (const partitions of offsets) expect(partitions.map((p) => p.high)).toEqual(["0", "0", "0"]);
    }
  }, 120_000);

  it("a topic created on first subscribe takes a publish at once and delivers it", async () => {
    const bus = await KafkaEventBus.create({ brokers: (brokers as string).split(","), namespace, topics: [] });
    buses.push(bus);
    const seen: string[] = [];
    await bus.subscribe("fresh.family", (e) => void seen.push(e.payload as string), { group: "g" });
    await bus.publish("fresh.family", envelope("T", "test", "k", "first"));
    await eventually(() => expect(seen).toEqual(["first"]), 20_000);
  }, 60_000);
});
