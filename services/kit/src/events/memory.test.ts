import { describe, expect, it } from "bun:test";
import type { Envelope } from "@jts/contracts";
import { eventBusContract } from "../testing/event-bus-contract.ts";
import { envelope } from "./envelope.ts";
import { MemoryEventBus } from "./memory.ts";

eventBusContract("memory", async () => new MemoryEventBus());

describe("memory event bus", () => {
  it("delivers to a subscriber that joins after the topic was already published to", async () => {
    const bus = new MemoryEventBus();
    await bus.publish("md.tick.sim.X", envelope("T", "test", "k", { n: 1 }));
    const got: number[] = [];
    await bus.subscribe("md.tick.*.*", (e) => void got.push((e.payload as { n: number }).n));
    await bus.publish("md.tick.sim.X", envelope("T", "test", "k", { n: 2 }));
    await Bun.sleep(5);
    expect(got).toEqual([2]);
    await bus.close();
  });

  it("drops the dead letter of a delivery that fails after close, instead of an unhandled rejection", async () => {
    // Shutdown: a handler still running when the platform closes the bus fails (its storage is gone).
    const bus = new MemoryEventBus();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      let fail!: () => void;
      const attempts: number[] = [];
      await bus.subscribe(
        "md.tick.*.*",
        async () => {
          attempts.push(attempts.length + 1);
          if (attempts.length === 1) await new Promise<void>((resolve) => (fail = resolve));
          throw new Error("storage closed");
        },
        { maxAttempts: 2 },
      );
      await bus.publish("md.tick.sim.X", envelope("T", "test", "k", { n: 1 }));
      await Bun.sleep(1);
      await bus.close();
      fail();
      await Bun.sleep(20);
      expect(attempts).toEqual([1, 2]);
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});

describe("memory event bus lanes", () => {
  const tick = (n: number) => envelope("T", "test", "k", { n });
  const nOf = (e: { payload: unknown }) => (e.payload as { n: number }).n;
  /** A few promise hops, like an order's rpc round trips to risk and the broker. */
  const roundTrips = async (hops: number) => {
    for (let i = 0; i < hops; i++) await Promise.resolve();
  };

  it("runs an order-path subscriber's whole async chain before a background subscriber sees the event", async () => {
    const bus = new MemoryEventBus();
    const seen: string[] = [];
    // Subscribed first, so without lanes it would run first.
    await bus.subscribe("md.tick.*.*", (e) => void seen.push(`background ${nOf(e)}`), { lane: "background" });
    await bus.subscribe("md.tick.*.*", async (e) => {
      seen.push(`order ${nOf(e)} start`);
      await roundTrips(20);
      seen.push(`order ${nOf(e)} acked`);
    });
    await bus.publish("md.tick.sim.X", tick(1));
    await Bun.sleep(5);
    expect(seen).toEqual(["order 1 start", "order 1 acked", "background 1"]);
    await bus.close();
  });

  it("gives a background subscriber every event in publish order, also when its handler awaits", async () => {
    const bus = new MemoryEventBus();
    const got: number[] = [];
    await bus.subscribe(
      "md.tick.*.*",
      async (e) => {
        if (nOf(e) % 7 === 0) await Bun.sleep(0);
        got.push(nOf(e));
      },
      { lane: "background" },
    );
    for (let n = 0; n < 500; n++) {
      await bus.publish("md.tick.sim.X", tick(n));
      if (n % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await Bun.sleep(50);
    expect(got).toEqual([...Array(500).keys()]);
    await bus.close();
  });

  it("keeps the publish order across a service's background subscriptions to different topics", async () => {
    const bus = new MemoryEventBus();
    const seen: string[] = [];
    await bus.subscribe("oms.order.updated", (e) => void seen.push(`order ${nOf(e)}`), { lane: "background" });
    await bus.subscribe("md.tick.*.*", (e) => void seen.push(`tick ${nOf(e)}`), { lane: "background" });
    await bus.publish("oms.order.updated", tick(1));
    await bus.publish("md.tick.sim.X", tick(2));
    await bus.publish("oms.order.updated", tick(3));
    await Bun.sleep(5);
    expect(seen).toEqual(["order 1", "tick 2", "order 3"]);
    await bus.close();
  });

  it("does not starve the background lane while the order path stays busy", async () => {
    const bus = new MemoryEventBus();
    const background: number[] = [];
    await bus.subscribe("md.tick.*.*", (e) => void background.push(nOf(e)), { lane: "background" });
    await bus.subscribe("md.tick.*.*", () => roundTrips(5));
    // A publisher that keeps the order path busy turn after turn: each turn, background has caught up.
    for (let n = 0; n < 20; n++) {
      await bus.publish("md.tick.sim.X", tick(n));
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      expect(background.at(-1)).toBe(n);
    }
    await bus.close();
  });

  it("retries a failing background handler and keeps its events in order", async () => {
    const bus = new MemoryEventBus();
    const got: number[] = [];
    let failures = 0;
    await bus.subscribe(
      "md.tick.*.*",
      (e) => {
        if (nOf(e) === 1 && failures++ < 2) throw new Error("flaky");
        got.push(nOf(e));
      },
      { lane: "background", maxAttempts: 3 },
    );
    for (let n = 0; n < 3; n++) await bus.publish("md.tick.sim.X", tick(n));
    await Bun.sleep(20);
    expect(got).toEqual([0, 1, 2]);
    expect(failures).toBe(3);
    await bus.close();
  });

  it("dead-letters a background event whose handler keeps failing, per lane, and goes on", async () => {
    const bus = new MemoryEventBus();
    const dead: number[] = [];
    const background: number[] = [];
    const orderPath: number[] = [];
    await bus.subscribe("dlq.md.tick.sim.X", (e) => void dead.push(nOf((e.payload as { event: Envelope }).event)));
    await bus.subscribe(
      "md.tick.*.*",
      (e) => {
        if (nOf(e) === 1) throw new Error("cannot handle 1");
        background.push(nOf(e));
      },
      { lane: "background", maxAttempts: 2 },
    );
    await bus.subscribe("md.tick.*.*", (e) => void orderPath.push(nOf(e)));
    for (let n = 0; n < 3; n++) await bus.publish("md.tick.sim.X", tick(n));
    // The order path does not wait for the background lane's failures.
    expect(orderPath).toEqual([0, 1, 2]);
    expect(background).toEqual([]);
    await Bun.sleep(20);
    expect(background).toEqual([0, 2]);
    expect(dead).toEqual([1]);
    await bus.close();
  });
});
