import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { envelope } from "../events/envelope.ts";
import { eventually } from "../testing/eventually.ts";
import { serverUrl } from "../testing/servers.ts";
import { KafkaEventBus } from "./event-bus.ts";

// Offsets are committed in the background, so a rebalance hands a partition's next owner (this process again,
// often) the messages handled since the last commit. Within one process the handlers must not see them again:
// a stop trigger on a replayed tick, a candle counting its volume twice.
const brokers = serverUrl("KAFKA_BROKERS");

describe.skipIf(!brokers)(`Kafka rebalance${brokers ? "" : " (skipped: KAFKA_BROKERS not set)"}`, () => {
  const namespace = `rebalance${Date.now()}.`;
  const connect = (commitIntervalMs: number) =>
    KafkaEventBus.create({
      brokers: (brokers as string).split(","),
      namespace,
      topics: [{ name: "r.ticks", partitions: 3 }],
      commitIntervalMs,
    });
  let publisher: KafkaEventBus;
  beforeAll(async () => {
    publisher = await connect(1000);
  }, 30_000);
  afterAll(async () => {
    await publisher.close();
  });

  it("a member does not hand a message it already handled to its handler again when a second member joins and leaves", async () => {
    // Nothing is committed on the interval during the test: every rebalance replays from the group's start.
    const first = await connect(600_000);
    const second = await connect(600_000);
    const seenByFirst: string[] = [];
    const seenBySecond: string[] = [];
    const track = (seen: string[]) => (e: { id: string }) => void seen.push(e.id);
    await first.subscribe("r.ticks", track(seenByFirst), { group: "r-group" });
    const publishMany = async (from: number, count: number) => {
      const ids: string[] = [];
      for (let n = from; n < from + count; n++) {
        const event = envelope("T", "test", `k${n}`, { n });
        ids.push(event.id);
        await publisher.publish("r.ticks", event);
      }
      return ids;
    };
    const before = await publishMany(0, 30);
    await eventually(() => expect(new Set(seenByFirst)).toEqual(new Set(before)), 20_000);

    const joined = await second.subscribe("r.ticks", track(seenBySecond), { group: "r-group" });
    // The second member got partitions and read them from the group's last commit: the rebalance happened.
    await eventually(() => expect(seenBySecond.length).toBeGreaterThan(0), 30_000);
    const during = await publishMany(30, 15);
    await eventually(
      () => expect(new Set([...seenByFirst, ...seenBySecond])).toEqual(new Set([...before, ...during])),
      30_000,
    );
    await joined.unsubscribe(); // a rebalance again: the first member takes every partition back
    const after = await publishMany(45, 15);
    await eventually(() => expect(after.every((id) => seenByFirst.includes(id))).toBe(true), 30_000);

    const twice = (seen: string[]) => seen.filter((id, i) => seen.indexOf(id) !== i);
    expect(twice(seenByFirst)).toEqual([]);
    expect(twice(seenBySecond)).toEqual([]);
    await second.close();
    await first.close();
  }, 120_000);
});
