import { afterEach, describe, expect, it } from "bun:test";
import { type Order, Topics } from "@jts/contracts";
import { eventually } from "@jts/kit/testing";
import { omsOnPaper } from "./testing/oms-on-paper.ts";

const running: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  for (const service of running.splice(0).reverse()) await service.stop();
});

/** The OMS on the paper venue, whose place answers in process without a promise when no fault is queued. */
async function platform() {
  const p = await omsOnPaper({ reconcileOnStart: false, reconcileEveryMs: 0 });
  running.push(p);
  const updates: Array<Pick<Order, "clientOrderId" | "status">> = [];
  await p.runtime.bus.subscribe(Topics.orderUpdated, (e) => {
    const { clientOrderId, status } = e.payload as Order;
    updates.push({ clientOrderId, status });
  });
  const statuses = (clientOrderId: string) =>
    updates.filter((u) => u.clientOrderId === clientOrderId).map((u) => u.status);
  return { ...p, statuses };
}

describe("the paper venue's synchronous place", () => {
  it("rejects an order the venue refuses, with the venue's reason, and never places it", async () => {
    const p = await platform();
    // No quote yet: the venue has no price for a MARKET order.
    const { order } = await p.oms.manager.submit(p.request({ type: "MARKET", price: undefined, timeInForce: "IOC" }));
    expect(order.status).toBe("REJECTED");
    expect(order.rejectReason).toContain("broker paper: no market price for BTC-KRW");
    expect(p.paper.engine.queryOrder({ orderId: order.id })).toBeNull();
    await eventually(() => expect(p.statuses(order.clientOrderId)).toEqual(["NEW", "REJECTED"]));
  });

  it("fills a MARKET order once, its events in order, and answers a repeated clientOrderId with the same order", async () => {
    const p = await platform();
    await p.quote("100000000", "101000000", "5");
    const request = p.request({ type: "MARKET", price: undefined, timeInForce: "IOC" });
    const first = await p.oms.manager.submit(request);
    expect(first.created).toBe(true);
    await eventually(async () => expect((await p.oms.manager.get(first.order.id)).status).toBe("FILLED"));
    const again = await p.oms.manager.submit(request);
    expect(again).toMatchObject({ created: false, order: { id: first.order.id, status: "FILLED" } });
    const changed = await p.oms.manager.submit({ ...request, quantity: "2" }).catch((e: unknown) => e);
    expect((changed as { code?: string }).code).toBe("CONFLICT");
    expect(p.fills.filter((f) => f.orderId === first.order.id)).toHaveLength(1);
    expect(p.statuses(request.clientOrderId)).toEqual(["NEW", "ACCEPTED", "FILLED"]);
  });
});
