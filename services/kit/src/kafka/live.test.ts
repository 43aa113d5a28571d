import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { Envelope } from "@jts/contracts";
import type { Admin } from "kafkajs";
import { envelope } from "../events/envelope.ts";
import { eventually } from "../testing/eventually.ts";
import { testKafkaClient } from "../testing/kafka.ts";
import { serverUrl } from "../testing/servers.ts";
import { KafkaEventBus } from "./event-bus.ts";

// SubscribeOptions.live on Kafka: market data from the end, one fetch loop per bus, no group of its own, no
// commits; a durable subscription beside it keeps its group and its replay.
const brokers = serverUrl("KAFKA_BROKERS");

describe.skipIf(!brokers)(`Kafka live subscriptions${brokers ? "" : " (skipped: KAFKA_BROKERS not set)"}`, () => {
  const namespace = `live${Date.now()}.`;
  const connect = () =>
    KafkaEventBus.create({
      brokers: (brokers as string).split(","),
      namespace,
      topics: [
        { name: "md.tick", partitions: 3 },
        { name: "md.quote", partitions: 3 },
      ],
    });
  const tick = (n: number) => envelope("Tick", "test", `S${n % 3}`, { n });
  const numbers = (events: Envelope[]) => events.map((e) => (e.payload as { n: number }).n);
  let bus: KafkaEventBus;
  let admin: Admin;
  const groups = async () =>
    (await admin.listGroups()).groups.map((g) => g.groupId).filter((id) => id.startsWith(namespace));
  beforeAll(async () => {
    bus = await connect();
    const kafka = testKafkaClient(brokers as string);
    admin = kafka.admin();
    await admin.connect();
  }, 30_000);
  afterAll(async () => {
    await bus.close();
    await admin.disconnect();
  });

  it("gets the events published after it subscribed and none from before, and leaves no consumer group", async () => {
    const before = await groups();
    await bus.publish("md.tick.sim.S0", tick(0));
    const got: Envelope[] = [];
    const sub = await bus.subscribe("md.tick.sim.*", (e) => void got.push(e), { live: true });
    for (let n = 1; n <= 6; n++) await bus.publish(`md.tick.sim.S${n % 3}`, tick(n));
    await eventually(() => expect(numbers(got).sort()).toEqual([1, 2, 3, 4, 5, 6]), 20_000);
    expect(await groups()).toEqual(before);
    await sub.unsubscribe();
  }, 40_000);

  it("gives ticks and quotes to their own subscribers from one bus", async () => {
    const ticks: Envelope[] = [];
    const quotes: Envelope[] = [];
    const subs = [
      await bus.subscribe("md.tick.sim.*", (e) => void ticks.push(e), { live: true }),
      await bus.subscribe("md.quote.sim.*", (e) => void quotes.push(e), { live: true }),
    ];
    for (let n = 0; n < 4; n++) {
      void bus.publish(`md.tick.sim.S${n % 3}`, tick(n));
      void bus.publish(`md.quote.sim.S${n % 3}`, envelope("Quote", "test", `S${n % 3}`, { n: 100 + n }));
    }
    await eventually(() => {
      expect(numbers(ticks).sort()).toEqual([0, 1, 2, 3]);
      expect(numbers(quotes).sort()).toEqual([100, 101, 102, 103]);
    }, 20_000);
    for (const sub of subs) await sub.unsubscribe();
  }, 40_000);

  it("commits nothing for a live group, which shares the events between its members in two processes", async () => {
    const other = await connect();
    try {
      const first: Envelope[] = [];
      const second: Envelope[] = [];
      await bus.subscribe("md.quote.sim.*", (e) => void first.push(e), { group: "lv", live: true });
      const leaving = await other.subscribe("md.quote.sim.*", (e) => void second.push(e), {
        group: "lv",
        live: true,
      });
      // Give the first member time to take part in the rebalance the second one started.
      await eventually(async () => {
        const [group] = (await admin.describeGroups([`${namespace}lv.md.quote.sim.any.live`])).groups;
        expect(group?.state).toBe("Stable");
        expect(group?.members).toHaveLength(2);
      }, 20_000);
      await Bun.sleep(1500);
      for (let n = 0; n < 30; n++) await bus.publish(`md.quote.sim.S${n % 3}`, tick(n));
      await eventually(
        () => expect(numbers([...first, ...second]).sort((a, b) => a - b)).toEqual([...Array(30).keys()]),
        20_000,
      );
      expect(first.length).toBeGreaterThan(0);
      expect(second.length).toBeGreaterThan(0);

      // The member that leaves hands its partitions to the one that stays.
      await leaving.unsubscribe();
      const from = first.length;
      await eventually(async () => {
        const [group] = (await admin.describeGroups([`${namespace}lv.md.quote.sim.any.live`])).groups;
        expect(group?.members).toHaveLength(1);
        expect(group?.state).toBe("Stable");
      }, 20_000);
      await Bun.sleep(1500);
      for (let n = 100; n < 106; n++) await bus.publish(`md.quote.sim.S${n % 3}`, tick(n));
      await eventually(() => expect(numbers(first.slice(from)).sort()).toEqual([100, 101, 102, 103, 104, 105]), 20_000);

      const committed = await admin.fetchOffsets({
        groupId: `${namespace}lv.md.quote.sim.any.live`,
        topics: [`${namespace}md.quote`],
      });
      expect(committed[0]?.partitions.every((p) => p.offset === "-1")).toBe(true);
    } finally {
      await other.close();
    }
  }, 90_000);

  it("dead-letters a message that is not an event and goes on with the next", async () => {
    const good: number[] = [];
    const dead: Envelope[] = [];
    await bus.subscribe("dlq.md.tick.sim.S1", (e) => void dead.push(e), { group: "live-dlq" });
    await bus.subscribe("md.tick.sim.*", (e) => void good.push((e.payload as { n: number }).n), { live: true });
    const raw = testKafkaClient(brokers as string, { clientId: "poisoner" }).producer();
    await raw.connect();
    await bus.publish("md.tick.sim.S1", tick(1));
    await raw.send({
      topic: `${namespace}md.tick`,
      messages: [{ key: "S1", value: "{not json", headers: { "jts-topic": "md.tick.sim.S1" } }],
    });
    await bus.publish("md.tick.sim.S1", tick(4));
    await raw.disconnect();
    await eventually(() => {
      expect(good).toEqual([1, 4]);
      expect(dead.map((d) => (d.payload as { error: string }).error)).toEqual(["message is not JSON"]);
    }, 20_000);
  }, 40_000);

  it("after a restart, a durable group gets what was published while it was down, a live subscription does not", async () => {
    const down = await connect();
    const durableBefore: number[] = [];
    await down.subscribe("md.tick.sim.*", (e) => void durableBefore.push((e.payload as { n: number }).n), {
      group: "recorder",
    });
    await down.subscribe("md.tick.sim.*", () => {}, { group: "strategy", live: true });
    await bus.publish("md.tick.sim.S0", tick(0));
    await eventually(() => expect(durableBefore).toEqual([0]), 20_000);
    await down.close();

    for (let n = 1; n <= 3; n++) await bus.publish(`md.tick.sim.S${n % 3}`, tick(n));
    const up = await connect();
    try {
      const durable: number[] = [];
      const live: number[] = [];
      await up.subscribe("md.tick.sim.*", (e) => void durable.push((e.payload as { n: number }).n), {
        group: "recorder",
      });
      await up.subscribe("md.tick.sim.*", (e) => void live.push((e.payload as { n: number }).n), {
        group: "strategy",
        live: true,
      });
      await bus.publish("md.tick.sim.S1", tick(4));
      await eventually(() => {
        expect(durable.sort()).toEqual([1, 2, 3, 4]);
        expect(live).toEqual([4]);
      }, 20_000);
    } finally {
      await up.close();
    }
  }, 90_000);
});
