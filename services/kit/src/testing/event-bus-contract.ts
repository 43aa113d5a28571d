import { afterEach, beforeEach, describe, expect, it } from "bun:test";
import type { Envelope, EventTransport } from "@jts/contracts";
import { envelope } from "../events/envelope.ts";
import { eventually } from "./eventually.ts";

export interface EventBusContractOptions {
  /** Fresh topics per test keep durable adapters' old events out. */
  topicPrefix?: () => string;
  /** Time for a durable consumer to join before the first publish. */
  settleMs?: number;
  timeoutMs?: number;
}

/** The one suite every EventBus adapter passes (memory, Kafka, NATS JetStream). */
export function eventBusContract(
  name: string,
  createBus: () => Promise<EventTransport>,
  options: EventBusContractOptions = {},
) {
  const settle = () => Bun.sleep(options.settleMs ?? 0);
  const timeout = options.timeoutMs ?? 5000;
  // Each test may wait `timeout` for deliveries on top of creating a bus (a Kafka group join takes seconds).
  const testTimeout = timeout * 2 + 5000;
  const prefix = options.topicPrefix ?? (() => `t${Math.random().toString(36).slice(2, 8)}`);

  describe(`EventBus contract: ${name}`, () => {
    let bus: EventTransport;
    let p: string;
    beforeEach(async () => {
      bus = await createBus();
      p = prefix();
    }, testTimeout);
    afterEach(async () => {
      await bus.close();
    }, testTimeout);

    const event = (key: string, n: number) => envelope("Test", "contract", key, { n });

    it(
      "delivers published events to a subscriber in order per key",
      async () => {
        const got: number[] = [];
        await bus.subscribe(`${p}.orders`, (e) => {
          got.push((e.payload as { n: number }).n);
        });
        await settle();
        for (let n = 0; n < 20; n++) await bus.publish(`${p}.orders`, event("k1", n));
        await eventually(() => expect(got).toEqual([...Array(20).keys()]), timeout);
      },
      testTimeout,
    );

    it(
      "keeps call order for publishes made without waiting for each other's ack",
      async () => {
        // The order path hands events over without awaiting them (the OMS commit, the strategy's signal):
        // the transport alone keeps them in order.
        const got: number[] = [];
        await bus.subscribe(`${p}.burst`, (e) => {
          got.push((e.payload as { n: number }).n);
        });
        await settle();
        await Promise.all(Array.from({ length: 50 }, (_, n) => bus.publish(`${p}.burst`, event("k1", n))));
        await eventually(() => expect(got).toEqual([...Array(50).keys()]), timeout);
      },
      testTimeout,
    );

    it(
      "keeps the envelope fields intact",
      async () => {
        const got: Envelope[] = [];
        await bus.subscribe(`${p}.env`, (e) => {
          got.push(e);
        });
        await settle();
        const sent = event("key-a", 7);
        await bus.publish(`${p}.env`, sent);
        await eventually(() => expect(got[0]).toEqual(sent), timeout);
      },
      testTimeout,
    );

    it(
      "matches one level with a wildcard and nothing else",
      async () => {
        const topics: string[] = [];
        await bus.subscribe(`${p}.tick.*`, (e) => {
          topics.push(e.key);
        });
        await settle();
        await bus.publish(`${p}.tick.BTC`, event("BTC", 1));
        await bus.publish(`${p}.quote.BTC`, event("quote", 2));
        await bus.publish(`${p}.tick.ETH`, event("ETH", 3));
        await eventually(() => expect(topics.sort()).toEqual(["BTC", "ETH"]), timeout);
      },
      testTimeout,
    );

    it(
      "gives every group every event and each event to one member of a group",
      async () => {
        const a1: number[] = [];
        const a2: number[] = [];
        const b: number[] = [];
        await bus.subscribe(`${p}.fills`, (e) => void a1.push((e.payload as { n: number }).n), { group: `${p}-a` });
        await bus.subscribe(`${p}.fills`, (e) => void a2.push((e.payload as { n: number }).n), { group: `${p}-a` });
        await bus.subscribe(`${p}.fills`, (e) => void b.push((e.payload as { n: number }).n), { group: `${p}-b` });
        await settle();
        for (let n = 0; n < 30; n++) await bus.publish(`${p}.fills`, event(`key-${n}`, n));
        await eventually(() => {
          expect(b.sort((x, y) => x - y)).toEqual([...Array(30).keys()]);
          expect([...a1, ...a2].sort((x, y) => x - y)).toEqual([...Array(30).keys()]);
        }, timeout);
      },
      testTimeout,
    );

    it(
      "delivers to live subscribers (market data) in order, and each event to one live member of a group",
      async () => {
        const solo: number[] = [];
        const m1: number[] = [];
        const m2: number[] = [];
        await bus.subscribe(`${p}.md.tick.X`, (e) => void solo.push((e.payload as { n: number }).n), { live: true });
        const member = (into: number[]) => (e: Envelope) => void into.push((e.payload as { n: number }).n);
        await bus.subscribe(`${p}.md.tick.*`, member(m1), { group: `${p}-live`, live: true });
        await bus.subscribe(`${p}.md.tick.*`, member(m2), { group: `${p}-live`, live: true });
        await settle();
        for (let n = 0; n < 30; n++) await bus.publish(`${p}.md.tick.X`, event("X", n));
        await eventually(() => {
          expect(solo).toEqual([...Array(30).keys()]);
          expect([...m1, ...m2].sort((x, y) => x - y)).toEqual([...Array(30).keys()]);
        }, timeout);
      },
      testTimeout,
    );

    it(
      "sends a live subscriber's failing event to the dead-letter topic and goes on",
      async () => {
        const got: number[] = [];
        const dead: Envelope[] = [];
        await bus.subscribe(`dlq.${p}.md.quote`, (e) => void dead.push(e));
        await bus.subscribe(
          `${p}.md.quote`,
          (e) => {
            const n = (e.payload as { n: number }).n;
            if (n === 1) throw new Error("bad quote");
            got.push(n);
          },
          { live: true, maxAttempts: 2 },
        );
        await settle();
        for (let n = 0; n < 3; n++) await bus.publish(`${p}.md.quote`, event("Q", n));
        await eventually(() => {
          expect(got).toEqual([0, 2]);
          expect(dead).toHaveLength(1);
        }, timeout);
      },
      testTimeout,
    );

    it(
      "lets one group subscribe to two topics and gives each subscription all of its own events",
      async () => {
        const a: number[] = [];
        const b: number[] = [];
        await bus.subscribe(`${p}.alpha`, (e) => void a.push((e.payload as { n: number }).n), { group: `${p}-svc` });
        await bus.subscribe(`${p}.beta`, (e) => void b.push((e.payload as { n: number }).n), { group: `${p}-svc` });
        await settle();
        for (let n = 0; n < 12; n++) {
          await bus.publish(`${p}.alpha`, event(`ka-${n}`, n));
          await bus.publish(`${p}.beta`, event(`kb-${n}`, n + 100));
        }
        await eventually(() => {
          expect(a.sort((x, y) => x - y)).toEqual([...Array(12).keys()]);
          expect(b.sort((x, y) => x - y)).toEqual([...Array(12).keys()].map((n) => n + 100));
        }, timeout);
      },
      testTimeout,
    );
    it(
      "sends an event whose handler keeps failing to the dead-letter topic and goes on",
      async () => {
        const dead: Envelope[] = [];
        const ok: number[] = [];
        await bus.subscribe(`dlq.${p}.poison`, (e) => void dead.push(e));
        await bus.subscribe(
          `${p}.poison`,
          (e) => {
            const n = (e.payload as { n: number }).n;
            if (n === 1) throw new Error("cannot handle 1");
            ok.push(n);
          },
          { maxAttempts: 2, group: `${p}-poison` },
        );
        await settle();
        for (let n = 0; n < 3; n++) await bus.publish(`${p}.poison`, event("same", n));
        await eventually(() => {
          expect(ok).toEqual([0, 2]);
          expect(dead).toHaveLength(1);
          const payload = dead[0]?.payload as { topic: string; error: string; event: Envelope };
          expect(payload.topic).toBe(`${p}.poison`);
          expect(payload.error).toContain("cannot handle 1");
          expect((payload.event.payload as { n: number }).n).toBe(1);
        }, timeout);
      },
      testTimeout,
    );

    it(
      "stops delivering after unsubscribe",
      async () => {
        const got: number[] = [];
        const sub = await bus.subscribe(`${p}.stop`, (e) => void got.push((e.payload as { n: number }).n));
        await settle();
        await bus.publish(`${p}.stop`, event("k", 1));
        await eventually(() => expect(got).toEqual([1]), timeout);
        await sub.unsubscribe();
        await bus.publish(`${p}.stop`, event("k", 2));
        await Bun.sleep(100);
        expect(got).toEqual([1]);
      },
      testTimeout,
    );
  });
}
