import { describe, expect, it } from "bun:test";
import { MemoryCache } from "@jts/kit";
import { orderFixture } from "@jts/kit/testing";
import { brokerAck, orderReport, refusedPlacement } from "./order-answers.ts";
import { PLACED_ORDER_TTL_MS, type PlacedOrder, PlacedOrders } from "./placed-orders.ts";

const order = orderFixture({ id: "o1", account: "acc", venue: "kis", type: "LIMIT", price: "100" });

describe("PlacedOrders", () => {
  it("keeps what a broker placed in the shared cache, under the venue's prefix, for a week", async () => {
    const cache = new MemoryCache();
    const ack = brokerAck(order.id, "V1", null);
    const replicaA = new PlacedOrders<PlacedOrder & { day: string }>(cache, "kis");
    const replicaB = new PlacedOrders<PlacedOrder & { day: string }>(cache, "kis");
    await replicaA.save({ order, ack, day: "20261127" });
    expect(JSON.parse((await cache.get("kis:order:o1")) as string).day).toBe("20261127");
    expect(await replicaB.load("o1")).toEqual({ order, ack, day: "20261127" });
    expect(await new PlacedOrders(cache, "creon").load("o1")).toBeNull();
    expect(PLACED_ORDER_TTL_MS).toBe(7 * 24 * 3600_000);
  });

  it("places a new order once and answers a known one with its stored ack and no reports", async () => {
    const orders = new PlacedOrders(new MemoryCache(), "kis");
    let sent = 0;
    const placeNew = async () => {
      sent++;
      const ack = brokerAck(order.id, "V1", null);
      await orders.save({ order, ack });
      return { ack, reports: [orderReport("kis", order, "ACCEPTED", null, null)] };
    };
    const first = await orders.place(order, placeNew);
    const again = await orders.place(order, placeNew);
    expect(sent).toBe(1);
    expect(first.reports.map((r) => r.kind)).toEqual(["ACCEPTED"]);
    expect(again).toEqual({ ack: first.ack, reports: [] });
  });

  it("lets a refused place, which stores nothing, be tried again", async () => {
    const orders = new PlacedOrders(new MemoryCache(), "creon");
    const refused = await orders.place(order, async () => refusedPlacement(order.id, "closed"));
    expect(refused).toMatchObject({ ack: { accepted: false, reason: "closed", venueOrderId: null }, reports: [] });
    const retried = await orders.place(order, async () => ({ ack: brokerAck(order.id, "V2", null), reports: [] }));
    expect(retried.ack).toMatchObject({ accepted: true, venueOrderId: "V2", reason: null });
  });
});

describe("order answers", () => {
  it("accepts an ack without a reason and refuses one with a reason", () => {
    expect(brokerAck("o1", "V1", null, "5")).toEqual({
      orderId: "o1",
      accepted: true,
      outcome: "ACCEPTED",
      venueOrderId: "V1",
      reason: null,
      tsEvent: "5",
    });
    expect(brokerAck("o1", null, "unknown order", "5")).toMatchObject({ accepted: false, outcome: "REFUSED" });
  });

  it("reports on the order under the broker's venue", () => {
    const report = orderReport("creon", order, "CANCELED", "by user", null);
    expect(report).toMatchObject({
      orderId: "o1",
      account: "acc",
      venue: "creon",
      symbol: order.symbol,
      side: order.side,
      kind: "CANCELED",
      reason: "by user",
      fill: null,
    });
    expect(report.tsEvent).toMatch(/^\d+$/);
  });
});
