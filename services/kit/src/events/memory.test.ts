import { describe, expect, it } from "bun:test";
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
});
