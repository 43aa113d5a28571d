import { afterEach, describe, expect, it } from "bun:test";
import { createLogger } from "@jts/kit";
import { orderFixture } from "@jts/kit/testing";
import { KisBroker } from "./connector.ts";
import { kisHarness } from "./testing/harness.ts";

// Two identical orders (same symbol, side, division, quantity, price) whose place answers were lost:
// KIS takes no client order id, so which of its rows is whose can only be told by the place reply.

const ORDER_CASH = "/uapi/domestic-stock/v1/trading/order-cash";
const buy = (id: string, strategyId: string) =>
  orderFixture({
    id,
    clientOrderId: id,
    account: "kis-test",
    venue: "kis",
    symbol: "005930",
    side: "BUY",
    type: "LIMIT",
    timeInForce: "DAY",
    price: "71000",
    quantity: "10",
    strategyId,
  });

let stop: (() => Promise<void>) | null = null;
afterEach(async () => {
  await stop?.();
  stop = null;
});

/** The KST day the broker wrote down when it sent the order. */
async function sentDay(h: ReturnType<typeof kisHarness>, orderId: string): Promise<string> {
  return (JSON.parse((await h.cache.get(`kis:sent:live:${orderId}`)) ?? "{}") as { day: string }).day;
}

function setUp() {
  const h = kisHarness("live");
  stop = () => h.fake.stop();
  const lines: { level: string; msg: string; orderId?: string; venueOrderId?: string; heldBy?: string }[] = [];
  const logger = createLogger({ app: "test" }, "warn", (line) => lines.push(JSON.parse(line)));
  const broker = new KisBroker(h.settings, h.rest, h.cache, logger);
  // biome-ignore lint/suspicious/noExplicitAny: the place reply landing late is driven through the broker's own remember()
  const inside = broker as any;
  const query = (orderId: string) => broker.queryOrder({ account: "kis-test", symbol: "005930", orderId });
  /** A: a 5xx (outcome unknown); B, identical, 0.1 s later: KIS carries it out and the answer is lost. */
  const placeBoth = async () => {
    h.fake.venue.misbehaveOn("POST", ORDER_CASH, { kind: "error", status: 500, body: { msg: "gateway" } });
    await expect(broker.place(buy("A", "strat-a"))).rejects.toThrow();
    await Bun.sleep(100);
    h.fake.venue.misbehaveOn("POST", ORDER_CASH, { kind: "drop-answer" });
    await expect(broker.place(buy("B", "strat-b"))).rejects.toThrow();
    const [row] = h.fake.requests.filter((r) => r.path === ORDER_CASH);
    expect(row).toBeDefined();
  };
  return { h, broker, inside, query, placeBoth, lines };
}

describe("KIS lookups of identical orders", () => {
  it("answer still unknown while two unanswered identical orders contend for one row; B's reply settles it, the fill is booked once", async () => {
    const { h, broker, inside, query, placeBoth, lines } = setUp();
    await placeBoth();
    // Old code: A's lookup took B's row. Now neither lookup chooses: both throw, the OMS asks again.
    await expect(query("A")).rejects.toThrow("still unknown");
    await expect(query("B")).rejects.toThrow("still unknown");
    const rows = await inside.dailyOrders(await sentDay(h, "B"), { symbol: "005930" });
    expect(rows).toHaveLength(1);
    const row = rows[0];
    // B's place reply lands (replayed, as placeNew does with it): B claims its row.
    const day = await sentDay(h, "B");
    await inside.remember(buy("B", "strat-b"), row.odno, row.ord_gno_brno, day, "reply");
    // A has no row left: not found (the OMS's grace then rejects it).
    expect(await query("A")).toBeNull();
    h.fake.fill(row.odno, "10", "71000");
    const reports = await broker.poll();
    expect(reports.filter((r) => r.kind === "FILL").map((r) => [r.orderId, r.fill?.quantity])).toEqual([["B", "10"]]);
    expect((await query("B"))?.filledQuantity).toBe("10");
    expect(await query("A")).toBeNull();
    expect(lines.filter((l) => l.level === "error")).toEqual([]);
  });

  it("a place reply takes back a row a lookup gave to another order: logged, the fill is booked once, no order holds another's row", async () => {
    const { h, broker, inside, query, placeBoth, lines } = setUp();
    await placeBoth();
    const day = await sentDay(h, "B");
    const [row] = await inside.dailyOrders(day, { symbol: "005930" });
    // What the old lookup did: A claims B's row.
    expect(await inside.remember(buy("A", "strat-a"), row.odno, row.ord_gno_brno, day, "lookup")).not.toBeNull();
    // A second claim by a lookup loses: a row has one holder.
    expect(await inside.remember(buy("B", "strat-b"), row.odno, row.ord_gno_brno, day, "lookup")).toBeNull();
    // B's reply, replayed: KIS says the row is B's.
    await inside.remember(buy("B", "strat-b"), row.odno, row.ord_gno_brno, day, "reply");
    expect(lines.find((l) => l.level === "error")).toMatchObject({ orderId: "B", heldBy: "A", venueOrderId: row.odno });
    h.fake.fill(row.odno, "10", "71000");
    const reports = await broker.poll();
    expect(reports.filter((r) => r.kind === "FILL").map((r) => [r.orderId, r.fill?.quantity])).toEqual([["B", "10"]]);
    const a = await query("A");
    const b = await query("B");
    expect(b).toMatchObject({ venueOrderId: row.odno, orderId: "B", status: "FILLED", filledQuantity: "10" });
    // A is looked up again and finds nothing: it holds no row.
    expect(a).toBeNull();
    // Reconciliation asks with the order number the OMS got from A's lookup: B's row is not A's answer.
    expect(
      await broker.queryOrder({ account: "kis-test", symbol: "005930", orderId: "A", venueOrderId: row.odno }),
    ).toBeNull();
    expect(Number(a?.filledQuantity ?? 0) + Number(b?.filledQuantity ?? 0)).toBe(10);
  });

  it("a lone unanswered order takes its row and the match is logged at warn with both ids", async () => {
    const { h, query, lines, broker } = setUp();
    h.fake.venue.misbehaveOn("POST", ORDER_CASH, { kind: "drop-answer" });
    await expect(broker.place(buy("C", "strat-c"))).rejects.toThrow();
    const found = await query("C");
    expect(found).toMatchObject({ orderId: "C", status: "ACCEPTED" });
    expect(lines.find((l) => l.level === "warn")).toMatchObject({ orderId: "C", venueOrderId: found?.venueOrderId });
  });

  it("once the rows are as many as the unanswered orders, they are taken in the order sent", async () => {
    const { h, broker, query } = setUp();
    h.fake.venue.misbehaveOn("POST", ORDER_CASH, { kind: "drop-answer" });
    await expect(broker.place(buy("D", "strat-d"))).rejects.toThrow();
    await Bun.sleep(10);
    h.fake.venue.misbehaveOn("POST", ORDER_CASH, { kind: "drop-answer" });
    await expect(broker.place(buy("E", "strat-e"))).rejects.toThrow();
    const e = await query("E");
    const d = await query("D");
    expect(d?.orderId).toBe("D");
    expect(e?.orderId).toBe("E");
    expect(d?.venueOrderId).not.toBe(e?.venueOrderId);
    expect(Number(d?.venueOrderId)).toBeLessThan(Number(e?.venueOrderId));
  });
});
