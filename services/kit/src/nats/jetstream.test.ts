import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { Envelope } from "@jts/contracts";
import { envelope } from "../events/envelope.ts";
import { createLogger } from "../log.ts";
import { eventBusContract } from "../testing/event-bus-contract.ts";
import { eventually } from "../testing/eventually.ts";
import { silentLogger } from "../testing/logger.ts";
import { serverUrl } from "../testing/servers.ts";
import { connectNats } from "./connect.ts";
import { JetStreamEventBus } from "./jetstream.ts";

const url = serverUrl("NATS_URL");

if (url) {
  eventBusContract("nats jetstream", async () =>
    JetStreamEventBus.create(await connectNats(url, "events-contract"), {
      stream: "JTS_CONTRACT",
      prefix: "jtscontract",
    }),
  );

  describe("nats jetstream: live subscriptions", () => {
    let bus: JetStreamEventBus;
    let info: Awaited<ReturnType<typeof connectNats>>;
    const p = `live${Math.random().toString(36).slice(2, 8)}`;
    const tick = (n: number) => envelope("Tick", "test", "X", { n });
    beforeAll(async () => {
      bus = await JetStreamEventBus.create(await connectNats(url, "events-live"), {
        stream: "JTS_CONTRACT",
        prefix: "jtscontract",
      });
      info = await connectNats(url, "events-live-info");
    });
    afterAll(async () => {
      await bus.close();
      await info.close();
    });

    it("replays nothing a live group missed while it was away, where a durable group gets it, and makes no consumer", async () => {
      const consumers = (await info.jetstreamManager()).consumers;
      const count = async () => (await consumers.list("JTS_CONTRACT").next()).length;
      const before = await count();
      const live: number[] = [];
      const durable: number[] = [];
      const onLive = (e: Envelope) => void live.push((e.payload as { n: number }).n);
      const first = await bus.subscribe(`${p}.md.tick.X`, onLive, { group: `${p}-strategy`, live: true });
      const kept = await bus.subscribe(`${p}.md.tick.X`, (e) => void durable.push((e.payload as { n: number }).n), {
        group: `${p}-collector`,
      });
      expect(await count()).toBe(before + 1); // the durable group's consumer only
      await bus.publish(`${p}.md.tick.X`, tick(0));
      await eventually(() => expect(live).toEqual([0]));
      // Acked before it goes away: an unacked 0 would come back only after the consumer's 30 s ack wait.
      await eventually(() => expect(durable).toEqual([0]));

      // Both away; ticks go on; both back.
      await first.unsubscribe();
      await kept.unsubscribe();
      for (let n = 1; n <= 3; n++) await bus.publish(`${p}.md.tick.X`, tick(n));
      await bus.subscribe(`${p}.md.tick.X`, onLive, { group: `${p}-strategy`, live: true });
      await bus.subscribe(`${p}.md.tick.X`, (e) => void durable.push((e.payload as { n: number }).n), {
        group: `${p}-collector`,
      });
      await Bun.sleep(200);
      await bus.publish(`${p}.md.tick.X`, tick(4));
      await eventually(() => expect(durable).toEqual([0, 1, 2, 3, 4]));
      await eventually(() => expect(live).toEqual([0, 4]));
    });

    it("keeps a slow live subscriber's backlog bounded: the oldest go, the newest arrive", async () => {
      const warnings: Array<{ msg: string }> = [];
      const slow = await JetStreamEventBus.create(await connectNats(url, "events-live-slow"), {
        stream: "JTS_CONTRACT",
        prefix: "jtscontract",
        liveBacklog: 50,
        logger: createLogger({}, "warn", (line) => void warnings.push(JSON.parse(line))),
      });
      let release = () => {};
      const held = new Promise<void>((resolve) => (release = resolve));
      const seen: number[] = [];
      await slow.subscribe(
        `${p}.md.tick.S`,
        async (e) => {
          seen.push((e.payload as { n: number }).n);
          await held;
        },
        { live: true },
      );
      // A flood on the subject while the handler is stuck (plain publishes: no stream ack to wait for).
      for (let n = 0; n < 2000; n++) info.publish(`jtscontract.${p}.md.tick.S`, JSON.stringify(tick(n)));
      await info.flush();
      await eventually(() => expect(seen.length).toBe(1));
      await Bun.sleep(200);
      release();
      await eventually(() => expect(seen.at(-1)).toBe(1999));
      expect(seen.length).toBeLessThanOrEqual(1 + 50);
      // The drops are said: at the first one, then once a backlog's worth after.
      expect(warnings[0]).toMatchObject({ msg: "live subscription behind: oldest messages dropped" });
      expect(warnings.length).toBeGreaterThanOrEqual(2);
      await slow.close();
    });

    it("a durable group goes on after a message it can neither handle nor dead-letter, and gives it up after a few tries", async () => {
      const quick = await JetStreamEventBus.create(await connectNats(url, "events-undeliverable"), {
        stream: "JTS_CONTRACT",
        prefix: "jtscontract",
        undeliverableRetryMs: 20,
        logger: silentLogger,
      });
      const seen: number[] = [];
      const group = `${p}-fills`;
      await quick.subscribe(`${p}.order.fill`, (e) => void seen.push((e.payload as { n: number }).n), { group });
      // Not JSON, and so close to the server's max payload that its dead letter cannot be published.
      const max = info.info?.max_payload ?? 1024 * 1024;
      info.publish(`jtscontract.${p}.order.fill`, "x".repeat(max - 200));
      await info.flush();
      await quick.publish(`${p}.order.fill`, tick(1));
      await eventually(() => expect(seen).toEqual([1]));
      // Asked again a few times, then terminated: nothing left pending for the group.
      const consumer = `${group}__${p}.order.fill`.replace(/[.*>\s]/g, "_");
      const jsm = await info.jetstreamManager();
      await eventually(async () => {
        const state = await jsm.consumers.info("JTS_CONTRACT", consumer);
        // Two messages, the bad one delivered 5 times in all (4 redeliveries), then terminated: none pending.
        expect(state.delivered.consumer_seq).toBeGreaterThanOrEqual(6);
        expect(state.num_ack_pending).toBe(0);
      }, 10_000);
      await quick.close();
    });

    it("goes on after a message it can neither handle nor dead-letter (an unpublishable dead letter)", async () => {
      const seen: number[] = [];
      await bus.subscribe(`${p}.md.tick.B`, (e) => void seen.push((e.payload as { n: number }).n), { live: true });
      // Not JSON, and so close to the server's max payload that its dead letter cannot be published.
      const max = info.info?.max_payload ?? 1024 * 1024;
      info.publish(`jtscontract.${p}.md.tick.B`, "x".repeat(max - 200));
      await info.flush();
      await Bun.sleep(200);
      await bus.publish(`${p}.md.tick.B`, tick(1));
      await eventually(() => expect(seen).toEqual([1]));
    });
  });
} else it.skip("EventBus contract: nats jetstream (NATS_URL not set)", () => {});
