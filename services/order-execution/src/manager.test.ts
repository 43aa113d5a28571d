import { beforeEach, describe, expect, it } from "bun:test";
import type { Envelope, ExecutionReport, Fill, Order, OrderRequest, RiskDecision } from "@jts/contracts";
import { AppError, createLogger, InstrumentCatalog, MemoryEventBus, MemoryRpc } from "@jts/kit";
import { eventually, orderFixture } from "@jts/kit/testing";
import { OrderManager } from "./manager.ts";
import { MemoryOrderRepository } from "./memory-repository.ts";

const request = (overrides: Partial<OrderRequest> = {}): OrderRequest => ({
  clientOrderId: "c-1",
  symbol: "005930",
  side: "BUY",
  type: "MARKET",
  quantity: "10",
  ...overrides,
});

const approve: RiskDecision = { approved: true, rule: null, reason: null, tsEvent: "1" };

describe("order manager", () => {
  let bus: MemoryEventBus;
  let rpc: MemoryRpc;
  let manager: OrderManager;
  let repository: MemoryOrderRepository;
  let placed: Order[];
  let published: Order[];
  let fills: Fill[];
  let decision: RiskDecision;

  beforeEach(async () => {
    bus = new MemoryEventBus();
    rpc = new MemoryRpc();
    placed = [];
    published = [];
    fills = [];
    decision = approve;
    await rpc.serve("risk.check", () => decision);
    await rpc.serve("broker.paper.place", (req) => {
      const { order } = req as { order: Order };
      placed.push(order);
      return { orderId: order.id, accepted: true, venueOrderId: "V1", reason: null, tsEvent: "1" };
    });
    await rpc.serve("broker.paper.cancel", (req) => ({
      orderId: (req as { orderId: string }).orderId,
      accepted: true,
      venueOrderId: null,
      reason: null,
      tsEvent: "1",
    }));
    await bus.subscribe("order.updated", (e: Envelope) => void published.push(e.payload as Order));
    await bus.subscribe("order.fill", (e: Envelope) => void fills.push(e.payload as Fill));
    repository = new MemoryOrderRepository(bus);
    manager = new OrderManager(
      repository,
      new InstrumentCatalog(),
      rpc,
      createLogger({}, "error", () => {}),
      {
        routes: { sim: "paper" },
        defaultAccount: "acc",
      },
    );
  });

  const report = (
    order: Order,
    kind: ExecutionReport["kind"],
    fill: ExecutionReport["fill"] = null,
  ): ExecutionReport => ({
    orderId: order.id,
    account: order.account,
    venue: order.venue,
    symbol: order.symbol,
    side: order.side,
    kind,
    fill,
    reason: null,
    tsEvent: "2",
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
    expect(order.rejectReason).toContain("trading is HALTED");
    expect(placed).toHaveLength(0);
  });

  it("fails closed when risk does not answer", async () => {
    const lonely = new OrderManager(
      new MemoryOrderRepository(bus),
      new InstrumentCatalog(),
      new MemoryRpc(),
      createLogger({}, "error", () => {}),
      {
        routes: { sim: "paper" },
        defaultAccount: "acc",
      },
    );
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
    const fill = (id: string, price: string, quantity: string) => ({
      fillId: id,
      price,
      quantity,
      fee: "1",
      feeCurrency: "KRW",
      liquidity: "TAKER" as const,
    });
    await manager.onReport(report(order, "FILL", fill("f1", "71000", "4")));
    expect(await manager.get(order.id)).toMatchObject({ status: "PARTIALLY_FILLED", filledQuantity: "4" });
    await manager.onReport(report(order, "FILL", fill("f1", "71000", "4")));
    await manager.onReport(report(order, "FILL", fill("f2", "71100", "6")));
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
    const fill = (id: string, price: string, quantity: string) => ({
      fillId: id,
      price,
      quantity,
      fee: "0",
      feeCurrency: "KRW",
      liquidity: "TAKER" as const,
    });
    await manager.onReport(report(order, "FILL", fill("p1", "12345.678901", "0.00000001")));
    expect((await manager.get(order.id)).averagePrice).toBe("12345.678901");
    await manager.onReport(report(order, "FILL", fill("p2", "12345.678905", "0.00000003")));
    expect((await manager.get(order.id)).averagePrice).toBe("12345.678904");
  });

  it("ignores a late cancel report for a filled order", async () => {
    const { order } = await manager.submit(request());
    await manager.onReport(
      report(order, "FILL", {
        fillId: "f",
        price: "71000",
        quantity: "10",
        fee: "0",
        feeCurrency: "KRW",
        liquidity: "TAKER",
      }),
    );
    await manager.onReport(report(order, "CANCELED"));
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
    const stuck = orderFixture({ id: "stuck-1", clientOrderId: "c-stuck", account: "acc" });
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

  it("hides another account's order", async () => {
    const { order } = await manager.submit(request());
    await expect(manager.get(order.id, ["someone-else"])).rejects.toThrow("not found");
  });
});
