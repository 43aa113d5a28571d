import { describe, expect, it } from "bun:test";
import { type Envelope, type EventBus, Topics } from "@jts/contracts";
import { createLogger, envelope } from "@jts/kit";
import { orderFixture } from "@jts/kit/testing";
import { MemoryOrderRepository } from "./memory-repository.ts";

/** A bus whose publishes the test acknowledges or refuses one by one. */
function slowBus() {
  const published: Array<{ event: Envelope; ack: () => void; refuse: (error: Error) => void }> = [];
  const bus = {
    publish: (_topic: string, event: Envelope) =>
      new Promise<void>((resolve, reject) => {
        published.push({ event, ack: resolve, refuse: reject });
      }),
  } as unknown as EventBus;
  return { bus, published };
}

const orderEvent = (id: string) => envelope("order.updated", "test", id, orderFixture({ id }));

describe("MemoryOrderRepository and the bus", () => {
  it("commits without waiting for the bus, and hands the events over in commit order", async () => {
    const { bus, published } = slowBus();
    const repository = new MemoryOrderRepository(bus);
    const first = repository.transaction(async (tx) => {
      await tx.insert(orderFixture({ id: "o1", clientOrderId: "c1" }));
      tx.emit(Topics.orderUpdated, orderEvent("o1"));
      tx.emit(Topics.orderUpdated, orderEvent("o1-again"));
    });
    const second = repository.transaction(async (tx) => {
      await tx.insert(orderFixture({ id: "o2", clientOrderId: "c2" }));
      tx.emit(Topics.orderUpdated, orderEvent("o2"));
    });
    // Both commit while no publish has been acknowledged: the second is not held behind the first's round trip.
    await Promise.all([first, second]);
    expect((await repository.get("o2"))?.id).toBe("o2");
    expect(published.map((p) => p.event.key)).toEqual(["o1", "o1-again", "o2"]);
    for (const p of published) p.ack();
  });

  it("keeps a commit whose event the bus refuses, and logs it", async () => {
    const { bus, published } = slowBus();
    const logged: string[] = [];
    const logger = createLogger({}, "error", (line) => void logged.push(line));
    const repository = new MemoryOrderRepository(bus, logger);
    const order = orderFixture({ id: "o3", clientOrderId: "c3" });
    const inserted = await repository.transaction(async (tx) => {
      const result = await tx.insert(order);
      tx.emit(Topics.orderUpdated, orderEvent("o3"));
      return result;
    });
    expect(inserted.created).toBe(true);
    published[0]?.refuse(new Error("no JetStream ack"));
    await Bun.sleep(0);
    expect((await repository.get("o3"))?.status).toBe(order.status);
    expect(logged.join("\n")).toContain("order event not published");
    expect(logged.join("\n")).toContain("no JetStream ack");
    // A retried submit finds the committed order instead of creating a second one.
    expect((await repository.findByClientId(order.account, "c3"))?.id).toBe("o3");
  });
});
