import { beforeEach, describe, expect, it } from "bun:test";
import type { Alert, BrokerAck, Envelope, Fill, Order, OrderRequest, RiskDecision, VenueOrder } from "@jts/contracts";
import { AppError, MemoryEventBus, MemoryRpc } from "@jts/kit";
import { eventually, executionReportFixture, reportFillFixture } from "@jts/kit/testing";
import type { OrderManager } from "./manager.ts";
import { MemoryOrderRepository } from "./memory-repository.ts";
import { APPROVE, leftNewJustNow, marketRequest, testOrderManager } from "./testing/manager.ts";

const request = marketRequest;
const approve = APPROVE;

describe("order manager", () => {
  let bus: MemoryEventBus;
  let rpc: MemoryRpc;
  let manager: OrderManager;
  let repository: MemoryOrderRepository;
  let placed: Order[];
  let published: Order[];
  let fills: Fill[];
  let decision: RiskDecision;
  /** What the fake venue says it had filled when it cancels; undefined: its ack does not say. */
  let cancelFilled: string | undefined;
  let canceled: string[];
  let checked: Order[];
  let alerts: Alert[];

  beforeEach(async () => {
    bus = new MemoryEventBus();
    rpc = new MemoryRpc();
    placed = [];
    published = [];
    fills = [];
    decision = approve;
    cancelFilled = "0";
    canceled = [];
    checked = [];
    alerts = [];
    await rpc.serve("risk.check", (req) => {
      checked.push((req as { order: Order }).order);
      return decision;
    });
    await rpc.serve("broker.paper.place", (req) => {
      const { order } = req as { order: Order };
      placed.push(order);
      return { orderId: order.id, accepted: true, venueOrderId: "V1", reason: null, tsEvent: "1" };
    });
    await rpc.serve("broker.paper.cancel", (req) => {
      const { orderId } = req as { orderId: string };
      canceled.push(orderId);
      const ack: BrokerAck = { orderId, accepted: true, venueOrderId: null, reason: null, tsEvent: "1" };
      return cancelFilled === undefined ? ack : { ...ack, filledQuantity: cancelFilled };
    });
    await bus.subscribe("alert.raised", (e: Envelope) => void alerts.push(e.payload as Alert));
    await bus.subscribe("order.updated", (e: Envelope) => void published.push(e.payload as Order));
    await bus.subscribe("order.fill", (e: Envelope) => void fills.push(e.payload as Fill));
    repository = new MemoryOrderRepository(bus);
    manager = testOrderManager(repository, rpc);
  });

  it("creates an order once per clientOrderId, also when both arrive at once", async () => {
    const [a, b] = await Promise.all([manager.submit(request()), manager.submit(request())]);
    const c = await manager.submit(request());
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(c.created).toBe(false);
    expect(new Set([a.order.id, b.order.id, c.order.id]).size).toBe(1);
    expect(placed).toHaveLength(1);
  });

  it("answers a retry with its order and one NEW event, also a retry that no longer passes validation", async () => {
    const first = await manager.submit(request());
    const newEvents = () => published.filter((o) => o.id === first.order.id && o.status === "NEW").length;
    await eventually(() => expect(newEvents()).toBe(1));
    const retry = await manager.submit(request());
    expect(retry.created).toBe(false);
    expect(retry.order.id).toBe(first.order.id);
    // Half a share of 005930 fails validation; the clientOrderId still names an order, so 409 naming it, not 422.
    const changed = await manager.submit(request({ quantity: "0.5" })).catch((e) => e);
    expect((changed as AppError).status).toBe(409);
    expect((changed as AppError).details).toMatchObject({ orderId: first.order.id, clientOrderId: "c-1" });
    const fresh = await manager.submit(request({ clientOrderId: "c-2", quantity: "0.5" })).catch((e) => e);
    expect((fresh as AppError).status).toBe(422);
    expect(newEvents()).toBe(1);
    expect(placed).toHaveLength(1);
  });

  it("answers 409 naming the existing order when a clientOrderId comes back with a different request", async () => {
    const first = await manager.submit(request({ type: "LIMIT", price: "71000" }));
    for (const [overrides, field] of [
      [{ quantity: "11" }, "quantity"],
      [{ side: "SELL" }, "side"],
      [{ price: "71100" }, "price"],
      [{ timeInForce: "DAY" }, "timeInForce"],
      [{ symbol: "BTC-KRW", quantity: "0.001", price: "140000000" }, "symbol"],
    ] as Array<[Partial<OrderRequest>, string]>) {
      const error = await manager.submit(request({ type: "LIMIT", price: "71000", ...overrides })).catch((e) => e);
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).status).toBe(409);
      expect((error as AppError).message).toContain(first.order.id);
      expect((error as AppError).details).toMatchObject({ orderId: first.order.id, clientOrderId: "c-1" });
      expect((error as AppError).details).toMatchObject({ fields: expect.arrayContaining([field]) });
    }
    // The same request, written with its defaults and decimals spelled out, is a retry: the same order.
    const retry = await manager.submit(
      request({ type: "LIMIT", price: "71000.0", quantity: "10.00", timeInForce: "GTC" }),
    );
    expect(retry).toEqual({ order: first.order, created: false });
    expect(placed).toHaveLength(1);
  });

  it("answers 409 to a different request that arrives while the first one with its clientOrderId is still routing", async () => {
    const [a, b] = await Promise.allSettled([manager.submit(request()), manager.submit(request({ quantity: "20" }))]);
    expect(a.status).toBe("fulfilled");
    expect(b.status).toBe("rejected");
    const order = (a as PromiseFulfilledResult<{ order: Order }>).value.order;
    expect(((b as PromiseRejectedResult).reason as AppError).details).toMatchObject({ orderId: order.id });
    expect(placed).toHaveLength(1);
  });

  it("routes an approved order to the venue's broker and marks it ACCEPTED", async () => {
    const { order } = await manager.submit(request());
    expect(order).toMatchObject({ status: "ACCEPTED", venueOrderId: "V1", account: "acc", timeInForce: "IOC" });
    expect(placed[0]?.id).toBe(order.id);
  });

  it("rejects with the risk reason and never reaches the broker", async () => {
    decision = { approved: false, rule: "TRADING_HALTED", reason: "trading is HALTED", tsEvent: "1" };
    const { order } = await manager.submit(request());
    expect(order.status).toBe("REJECTED");
    expect(order.rejectReason).toBe("risk: [TRADING_HALTED] trading is HALTED");
    expect(placed).toHaveLength(0);
  });

  it("fails closed when risk does not answer", async () => {
    const lonely = testOrderManager(new MemoryOrderRepository(bus), new MemoryRpc());
    const { order } = await lonely.submit(request());
    expect(order.status).toBe("REJECTED");
    expect(order.rejectReason).toContain("risk check failed");
  });

  it("refuses bad orders with a validation error before storing them", async () => {
    const cases: Array<[Partial<OrderRequest>, string]> = [
      [{ symbol: "XRP-KRW" }, "unknown symbol"],
      [{ quantity: "0" }, "greater than zero"],
      [{ quantity: "1.5" }, "lot size"],
      [{ type: "LIMIT" }, "needs a price"],
      [{ type: "LIMIT", price: "71050" }, "tick size"],
      [{ price: "71000" }, "takes no price"],
      [{ timeInForce: "GTC" }, "IOC or FOK"],
    ];
    for (const [overrides, message] of cases) {
      const error = await manager
        .submit(request({ clientOrderId: `bad-${message}`, ...overrides }))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).status).toBe(422);
      expect((error as AppError).message).toContain(message);
    }
    expect(placed).toHaveLength(0);
  });

  it("checks prices against the tick of their KRX band, as risk does, not the flat tickSize", async () => {
    // 005930's flat tickSize is 100 (its 50,000-200,000 band); below 50,000 KRW the step is 50.
    const limit = (clientOrderId: string, price: string) =>
      manager.submit(request({ clientOrderId, type: "LIMIT", price, timeInForce: "GTC" }));
    expect((await limit("band-50", "49950")).order.status).toBe("ACCEPTED");
    const offBand = await limit("band-100", "50050").catch((e: unknown) => e);
    expect((offBand as AppError).status).toBe(422);
    expect((offBand as AppError).message).toContain("tick size 100 at 50050");
    const stop = await manager
      .submit(request({ clientOrderId: "stop-off", type: "STOP_MARKET", stopPrice: "49975", timeInForce: "IOC" }))
      .catch((e: unknown) => e);
    expect((stop as AppError).message).toContain("tick size 50 at 49975");
  });

  it("folds fills into FILLED with the average price and publishes each fill once", async () => {
    const { order } = await manager.submit(request());
    const fill = (id: string, price: string, quantity: string) =>
      reportFillFixture({ fillId: id, price, quantity, fee: "1" });
    await manager.onReport(executionReportFixture(order, "FILL", fill("f1", "71000", "4")));
    expect(await manager.get(order.id)).toMatchObject({ status: "PARTIALLY_FILLED", filledQuantity: "4" });
    await manager.onReport(executionReportFixture(order, "FILL", fill("f1", "71000", "4")));
    await manager.onReport(executionReportFixture(order, "FILL", fill("f2", "71100", "6")));
    expect(await manager.get(order.id)).toMatchObject({
      status: "FILLED",
      filledQuantity: "10",
      averagePrice: "71060",
    });
    await eventually(() => expect(fills.map((f) => f.id)).toEqual(["f1", "f2"]));
    await eventually(() => expect(published.at(-1)?.status).toBe("FILLED"));
  });

  it("keeps the average price at full precision: 0.00000001 @ 12345.678901 is 12345.678901", async () => {
    const { order } = await manager.submit(request({ symbol: "BTC-KRW", quantity: "0.00000004" }));
    const fill = (id: string, price: string, quantity: string) => reportFillFixture({ fillId: id, price, quantity });
    await manager.onReport(executionReportFixture(order, "FILL", fill("p1", "12345.678901", "0.00000001")));
    expect((await manager.get(order.id)).averagePrice).toBe("12345.678901");
    await manager.onReport(executionReportFixture(order, "FILL", fill("p2", "12345.678905", "0.00000003")));
    expect((await manager.get(order.id)).averagePrice).toBe("12345.678904");
  });

  it("ignores a late cancel report for a filled order", async () => {
    const { order } = await manager.submit(request());
    await manager.onReport(executionReportFixture(order, "FILL", reportFillFixture({ fillId: "f", price: "71000" })));
    await manager.onReport(executionReportFixture(order, "CANCELED"));
    expect((await manager.get(order.id)).status).toBe("FILLED");
  });

  it("cancels an open order and refuses to cancel a closed one", async () => {
    const { order } = await manager.submit(
      request({ clientOrderId: "l1", type: "LIMIT", price: "70000", timeInForce: "GTC" }),
    );
    expect((await manager.cancel(order.id)).status).toBe("CANCELED");
    const error = await manager.cancel(order.id).catch((e: unknown) => e);
    expect((error as AppError).status).toBe(409);
  });

  it("routes an order a crash left NEW when it resumes, and leaves routed orders alone", async () => {
    const stuck = leftNewJustNow({ id: "stuck-1", clientOrderId: "c-stuck", account: "acc" });
    await repository.transaction(async (tx) => {
      await tx.insert(stuck);
    });
    await manager.submit(request({ clientOrderId: "c-fine" }));
    expect(placed).toHaveLength(1);
    expect(await manager.resumeNew()).toBe(1);
    expect(placed.map((o) => o.id)).toContain("stuck-1");
    expect(placed).toHaveLength(2);
    expect((await manager.get("stuck-1")).status).toBe("ACCEPTED");
  });

  it("does not place a resumed order that left NEW while start waited for the account modes", async () => {
    // The venue had both before the crash: their reports, redelivered, land while start waits (up to 5 s).
    const filled = leftNewJustNow({ id: "stuck-filled", clientOrderId: "c-filled", account: "acc", quantity: "10" });
    const canceled = leftNewJustNow({ id: "stuck-canceled", clientOrderId: "c-canceled", account: "acc" });
    await repository.transaction(async (tx) => {
      await tx.insert(filled);
      await tx.insert(canceled);
    });
    const fill = reportFillFixture({ fillId: "f-before-crash", price: "71000", quantity: "10" });
    const resumed = await manager.resumeNew(async () => {
      await manager.onReport(executionReportFixture(filled, "FILL", fill), "e-fill");
      await manager.onReport(executionReportFixture(canceled, "CANCELED"), "e-cancel");
    });
    expect(resumed).toBe(2);
    expect(placed).toEqual([]);
    expect(checked).toEqual([]);
    expect((await manager.get("stuck-filled")).status).toBe("FILLED");
    expect((await manager.get("stuck-canceled")).status).toBe("CANCELED");
  });

  it("hides another account's order", async () => {
    const { order } = await manager.submit(request());
    await expect(manager.get(order.id, ["someone-else"])).rejects.toThrow("not found");
  });

  it("announces a venue-held stop's trigger on its first fill only, not on a duplicate or a later fill", async () => {
    const { order } = await manager.submit(
      request({ symbol: "BTC-KRW", type: "STOP_MARKET", stopPrice: "99000000", quantity: "2", timeInForce: "GTC" }),
    );
    const fill = (id: string) => reportFillFixture({ fillId: id, price: "99000000", quantity: "1" });
    await manager.onReport(executionReportFixture(order, "FILL", fill("f1")), "e1");
    await manager.onReport(executionReportFixture(order, "FILL", fill("f1")), "e1");
    await manager.onReport(executionReportFixture(order, "FILL", fill("f1")), "e1-again");
    await manager.onReport(executionReportFixture(order, "FILL", fill("f2")), "e2");
    expect((await manager.get(order.id)).status).toBe("FILLED");
    await eventually(() => expect(alerts.map((a) => [a.kind, a.orderId])).toEqual([["STOP_TRIGGERED", order.id]]));
  });

  describe("amend", () => {
    const limit = (overrides: Partial<OrderRequest> = {}) =>
      manager.submit(
        request({
          clientOrderId: "a-1",
          symbol: "BTC-KRW",
          type: "LIMIT",
          price: "99000000",
          quantity: "2",
          timeInForce: "GTC",
          ...overrides,
        }),
      );
    const fill = (id: string, quantity: string) =>
      reportFillFixture({ fillId: id, price: "99000000", quantity, liquidity: "MAKER" });

    it("asks risk about the replacement first: a refusal leaves the old order working, uncanceled", async () => {
      const { order } = await limit();
      decision = { approved: false, rule: "MAX_POSITION", reason: "over the position limit", tsEvent: "1" };
      const error = await manager.amend(order.id, { quantity: "3" }).catch((e: unknown) => e);
      expect((error as AppError).status).toBe(409);
      expect((error as AppError).message).toContain("over the position limit");
      expect(canceled).toEqual([]);
      expect(await manager.get(order.id)).toMatchObject({ status: "ACCEPTED", quantity: "2" });
      expect((await manager.list()).map((o) => o.clientOrderId)).toEqual(["a-1"]);
      expect(checked.at(-1)).toMatchObject({ clientOrderId: "a-1.r1", quantity: "3", price: "99000000" });
    });

    it("sizes the replacement by what the venue filled during the cancel, so a late fill never overshoots", async () => {
      const { order } = await limit();
      // The venue filled 0.5 just before the cancel; its fill report has not reached the OMS yet.
      cancelFilled = "0.5";
      const replacement = await manager.amend(order.id, { quantity: "1" });
      expect(replacement).toMatchObject({ clientOrderId: "a-1.r1", quantity: "0.5", status: "ACCEPTED" });
      expect(await manager.get(order.id)).toMatchObject({ status: "CANCELED", filledQuantity: "0" });
      // Risk was asked once, before the cancel, and its approval covers the smaller final replacement.
      expect(checked.map((o) => o.quantity)).toEqual(["2", "1"]);
      // The late fill lands on the old order, redelivered too; then the replacement fills completely.
      await manager.onReport(executionReportFixture(order, "FILL", fill("late", "0.5")));
      await manager.onReport(executionReportFixture(order, "FILL", fill("late", "0.5")));
      await manager.onReport(executionReportFixture(replacement, "FILL", fill("r", "0.5")));
      const total = (await manager.listFills()).reduce((sum, f) => sum + Number(f.quantity), 0);
      expect(total).toBe(1);
      expect(await manager.get(order.id)).toMatchObject({ filledQuantity: "0.5" });
      expect(await manager.get(replacement.id)).toMatchObject({ status: "FILLED", filledQuantity: "0.5" });
    });

    it("sends no replacement when the venue filled the new total before it canceled, and says so", async () => {
      const { order } = await limit();
      cancelFilled = "1.5";
      const result = await manager.amend(order.id, { quantity: "1" });
      expect(result.id).toBe(order.id);
      expect(result.status).toBe("CANCELED");
      expect(result.rejectReason).toContain("the venue had filled 1.5 by the cancel, at or over the new total 1");
      expect(placed).toHaveLength(1);
      await eventually(() => expect(alerts.map((a) => a.title)).toEqual(["Amend sent no replacement"]));
      expect(alerts[0]?.message).toContain("no replacement sent");
    });

    it("asks the venue for the canceled order when the cancel ack does not say what it filled", async () => {
      const { order } = await limit();
      cancelFilled = undefined;
      const answers: Array<VenueOrder["status"]> = ["ACCEPTED", "CANCELED"];
      await rpc.serve("broker.paper.query-order", () => {
        const status = answers.shift() ?? "CANCELED";
        return { ...venueOrder(order), status, filledQuantity: "0.5" };
      });
      // The first answer still shows the order open: its fill count is not final and is not used.
      const replacement = await manager.amend(order.id, { quantity: "1" });
      expect(answers).toEqual([]);
      expect(replacement).toMatchObject({ clientOrderId: "a-1.r1", quantity: "0.5" });
    });

    it("sends no replacement when the venue never confirms what it filled", async () => {
      const { order } = await limit();
      cancelFilled = undefined;
      const result = await manager.amend(order.id, { quantity: "1" });
      expect(result).toMatchObject({ id: order.id, status: "CANCELED" });
      expect(result.rejectReason).toContain("did not confirm what it had filled");
      expect(placed).toHaveLength(1);
    });

    it("amends in place at a venue with a native amend: same order, risk first, no cancel", async () => {
      const amends: unknown[] = [];
      let refuseAmend: string | null = null;
      let amendAnswers = true;
      await rpc.serve("broker.native.place", (req) => {
        const { order } = req as { order: Order };
        placed.push(order);
        return { orderId: order.id, accepted: true, venueOrderId: "K1", reason: null, tsEvent: "1" };
      });
      await rpc.serve("broker.native.amend", (req) => {
        amends.push(req);
        if (!amendAnswers) return new Promise(() => {});
        const { orderId } = req as { orderId: string };
        return { orderId, accepted: refuseAmend === null, venueOrderId: "K2", reason: refuseAmend, tsEvent: "1" };
      });
      const native = testOrderManager(repository, rpc, {
        routes: { sim: "native" },
        accountMode: () => "LIVE",
        nativeAmend: { native: true },
      });
      const { order } = await native.submit(
        request({ clientOrderId: "n-1", type: "LIMIT", price: "70000", quantity: "10", timeInForce: "GTC" }),
      );
      decision = { approved: false, rule: "MAX_ORDER_NOTIONAL", reason: "too big", tsEvent: "1" };
      await expect(native.amend(order.id, { price: "80000" })).rejects.toThrow("too big");
      expect(amends).toEqual([]);

      decision = approve;
      const amended = await native.amend(order.id, { price: "70100" });
      expect(amended).toMatchObject({ id: order.id, quantity: "10", price: "70100", venueOrderId: "K2" });
      expect(amends).toEqual([{ orderId: order.id, account: "acc", symbol: "005930", quantity: "10", price: "70100" }]);
      expect(checked.at(-1)).toMatchObject({ id: order.id, quantity: "10", price: "70100" });
      expect(canceled).toEqual([]);

      refuseAmend = "order already filled";
      const refused = await native.amend(order.id, { price: "70200" }).catch((e: unknown) => e);
      expect((refused as AppError).status).toBe(409);
      expect(await native.get(order.id)).toMatchObject({ price: "70100", quantity: "10", status: "ACCEPTED" });

      // No answer to the amend: the venue's view decides. At the new price it did amend; at the old one it did not.
      refuseAmend = null;
      await rpc.serve("broker.native.query-order", () => ({
        ...venueOrder(order),
        status: "ACCEPTED",
        price: "70300",
      }));
      const silent = testOrderManager(repository, rpc, {
        routes: { sim: "native" },
        accountMode: () => "LIVE",
        nativeAmend: { native: true },
        rpcTimeoutMs: 50,
      });
      amendAnswers = false;
      expect(await silent.amend(order.id, { price: "70300" })).toMatchObject({ price: "70300", venueOrderId: "V1" });
      const unknown = await silent.amend(order.id, { price: "70400" }).catch((e: unknown) => e);
      expect((unknown as AppError).status).toBe(409);
      expect((unknown as AppError).message).toContain("the venue still works it at 70300");
      expect((await native.get(order.id)).price).toBe("70300");

      // A new quantity is a new order even here: canceled and replaced, sized by the venue's count.
      await rpc.serve("broker.native.cancel", (req) => {
        const { orderId } = req as { orderId: string };
        canceled.push(orderId);
        return { orderId, accepted: true, venueOrderId: "K2", reason: null, filledQuantity: "4", tsEvent: "1" };
      });
      const replaced = await native.amend(order.id, { quantity: "12" });
      expect(canceled).toEqual([order.id]);
      expect(replaced).toMatchObject({ clientOrderId: "n-1.r1", quantity: "8", price: "70300" });
      expect(amends).toHaveLength(4);
    });
  });
});

function venueOrder(order: Order): VenueOrder {
  return {
    orderId: order.id,
    venueOrderId: "V1",
    account: order.account,
    venue: order.venue,
    symbol: order.symbol,
    side: order.side,
    type: order.type,
    status: "CANCELED",
    quantity: order.quantity,
    filledQuantity: "0",
    price: order.price,
    averagePrice: null,
    tsEvent: "1",
  };
}
