import { describe, expect, it } from "bun:test";
import {
  type Candle,
  EventTypes,
  type Fill,
  type Order,
  type OrderRequest,
  type StrategyStatus,
  Subjects,
  type Tick,
  Topics,
} from "@jts/contracts";
import { envelope, MemoryDocumentStore, memoryRuntime, type Runtime, serviceAuthHeaders } from "@jts/kit";
import { eventually, fillFixture, orderFixture, silentLogger } from "@jts/kit/testing";
import { createStrategyService } from "./service.ts";

const quiet = () => memoryRuntime(silentLogger);
const json = (method: string, body: unknown) => ({
  method,
  headers: { "content-type": "application/json", ...serviceAuthHeaders() },
  body: JSON.stringify(body),
});
const url = (path: string) => `http://localhost${path}`;

const tick = (price: number, second: number): Tick => ({
  symbol: "BTC-KRW",
  venue: "sim",
  price: String(price),
  quantity: "1",
  aggressor: "NONE",
  tradeId: `t${second}`,
  tsEvent: String(BigInt(second) * 1_000_000_000n),
});

/** A stand-in OMS: fills every market order at once at `price()` and says so on the bus. */
async function fakeOms(runtime: Runtime, price: () => string) {
  const submitted: OrderRequest[] = [];
  await runtime.rpc.serve(Subjects.orderSubmit, async (payload) => {
    const request = payload as OrderRequest;
    submitted.push(request);
    const order: Order = {
      ...orderFixture(),
      id: `o-${submitted.length}`,
      clientOrderId: request.clientOrderId,
      side: request.side,
      symbol: request.symbol,
      quantity: request.quantity,
      filledQuantity: request.quantity,
      status: "FILLED",
      strategyId: request.strategyId ?? null,
    };
    const fill: Fill = fillFixture({
      id: `f-${request.clientOrderId}`, // unique like a venue's: a restarted engine remembers the fill ids it counted
      orderId: order.id,
      clientOrderId: order.clientOrderId,
      account: order.account,
      symbol: order.symbol,
      side: order.side,
      price: price(),
      quantity: order.quantity,
      strategyId: order.strategyId,
    });
    queueMicrotask(async () => {
      await runtime.bus.publish(Topics.fill, envelope(EventTypes.fill, "test", fill.id, fill));
      await runtime.bus.publish(Topics.orderUpdated, envelope(EventTypes.order, "test", order.id, order));
    });
    return { order, created: true };
  });
  return submitted;
}

const publishTick = (runtime: Runtime, t: Tick) =>
  runtime.bus.publish(Topics.tick("sim", t.symbol), envelope(EventTypes.tick, "test", t.symbol, t, t.tsEvent));

describe("strategy service: create and parameters", () => {
  it("creates a strategy of any built-in kind, and refuses bad parameters with 400 and every reason", async () => {
    const service = createStrategyService(quiet(), { strategies: [] });
    await service.start();
    const created = await service.app.handle(
      new Request(
        url("/strategies"),
        json("POST", {
          id: "bb-1",
          kind: "bollinger",
          symbol: "BTC-KRW",
          params: { period: 20, width: 2, quantity: "0.01" },
        }),
      ),
    );
    expect(created.status).toBe(200);
    const status = (await created.json()) as StrategyStatus;
    expect(status).toMatchObject({ running: false, config: { id: "bb-1", account: "paper-main", venue: "sim" } });
    expect(status.pnl).toMatchObject({ position: "0", netPnl: "0", fills: 0 });

    const bad = await service.app.handle(
      new Request(
        url("/strategies"),
        json("POST", { id: "dc-1", kind: "donchian", symbol: "BTC-KRW", params: { entryPeriod: 1, quantity: "x" } }),
      ),
    );
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error: { code: string; message: string; details: { problems: string[] } } };
    expect(body.error.code).toBe("BAD_REQUEST");
    expect(body.error.details.problems.join("\n")).toContain("entryPeriod");
    expect(body.error.details.problems.join("\n")).toContain("exitPeriod");
    expect(body.error.details.problems.join("\n")).toContain("quantity");

    const twice = await service.app.handle(
      new Request(url("/strategies"), json("POST", { id: "bb-1", kind: "bollinger", symbol: "BTC-KRW", params: {} })),
    );
    expect(twice.status).toBe(409);
    await service.stop();
  });

  it("changes parameters after checking them against the kind, and keeps them across a restart", async () => {
    const documents = new MemoryDocumentStore();
    const strategies = [
      {
        id: "ma-1",
        kind: "ma-crossover" as const,
        account: "acc",
        symbol: "BTC-KRW",
        venue: "sim" as const,
        params: { fastPeriod: 5, slowPeriod: 20, quantity: "0.001" },
        enabled: false,
      },
    ];
    const first = createStrategyService(quiet(), { strategies, documents });
    await first.start();
    const refused = await first.app.handle(
      new Request(
        url("/strategies/ma-1/params"),
        json("PUT", { params: { fastPeriod: 30, slowPeriod: 20, quantity: "1" } }),
      ),
    );
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain(
      "fastPeriod must be below slowPeriod",
    );
    const changed = await first.app.handle(
      new Request(
        url("/strategies/ma-1/params"),
        json("PUT", { params: { fastPeriod: 3, slowPeriod: 8, quantity: "1" } }),
      ),
    );
    expect(changed.status).toBe(200);
    await first.stop();

    const second = createStrategyService(quiet(), { strategies, documents });
    await second.start();
    expect(second.engine.list()[0]?.config.params).toEqual({ fastPeriod: 3, slowPeriod: 8, quantity: "1" });
    await second.stop();
  });

  it("warms a strategy up from md.candles history before it goes live", async () => {
    const runtime = quiet();
    const closes = [100, 99, 98, 97, 96];
    await runtime.rpc.serve(Subjects.candles, (): Candle[] =>
      closes.map((close, i) => ({
        symbol: "BTC-KRW",
        venue: "sim",
        interval: "1m",
        tsOpen: String(BigInt(i) * 60_000_000_000n),
        ...{ open: String(close), high: String(close), low: String(close), close: String(close) },
        ...{ volume: "1", trades: 1, closed: true },
      })),
    );
    let last = "0";
    const submitted = await fakeOms(runtime, () => last);
    const service = createStrategyService(runtime, {
      cooldownMs: 0,
      strategies: [
        {
          id: "ma-w",
          kind: "ma-crossover",
          account: "acc",
          symbol: "BTC-KRW",
          venue: "sim",
          params: { fastPeriod: 2, slowPeriod: 4, quantity: "1" },
          enabled: true,
        },
      ],
    });
    await service.start();
    // Warm from history, the first rally tick is already a cross; a cold strategy would need 4 ticks first.
    last = "110";
    await publishTick(runtime, tick(110, 400));
    await eventually(() => expect(submitted.map((r) => r.side)).toEqual(["BUY"]));
    await service.stop();
  });
});

describe("strategy service: state across a restart", () => {
  it("keeps position, P&L and indicator windows, so the next cross acts at once after a restart", async () => {
    const documents = new MemoryDocumentStore();
    const strategies = [
      {
        id: "ma-r",
        kind: "ma-crossover" as const,
        account: "acc",
        symbol: "BTC-KRW",
        venue: "sim" as const,
        params: { fastPeriod: 2, slowPeriod: 4, quantity: "2" },
        enabled: true,
      },
    ];
    const firstRuntime = quiet();
    // Ticks are published without waiting for the engine, so the stand-in OMS fills at fixed prices.
    const firstOrders = await fakeOms(firstRuntime, () => "100");
    const first = createStrategyService(firstRuntime, { strategies, documents, cooldownMs: 0 });
    await first.start();
    let second = 0;
    for (const price of [100, 99, 98, 97, 96, 100, 104]) {
      await publishTick(firstRuntime, tick(price, ++second));
    }
    await eventually(() => expect(first.engine.list()[0]?.pnl).toMatchObject({ position: "2", lastPrice: "104" }));
    expect(firstOrders.map((o) => o.side)).toEqual(["BUY"]);
    await first.stop();

    const secondRuntime = quiet();
    const secondOrders = await fakeOms(secondRuntime, () => "90");
    const restarted = createStrategyService(secondRuntime, { strategies, documents, cooldownMs: 0 });
    await restarted.start();
    const status = restarted.engine.list()[0] as StrategyStatus;
    expect(status.pnl).toMatchObject({ position: "2", averagePrice: "100", fills: 1 });
    expect(status.ordersSent).toBe(1);
    // One falling tick crosses the restored averages (fast 102, slow 99.5 before it): a cold window could not.
    await publishTick(secondRuntime, tick(90, 100));
    await eventually(() => expect(secondOrders.map((o) => `${o.side} ${o.quantity}`)).toEqual(["SELL 2"]));
    await eventually(() =>
      expect(restarted.engine.list()[0]?.pnl).toMatchObject({ position: "0", realizedPnl: "-20" }),
    );
    // Order ids continue the saved sequence rather than restarting it.
    expect(secondOrders[0]?.clientOrderId.endsWith("-2")).toBe(true);
    await restarted.stop();
  });

  it("warms up instead of failing when the saved state cannot be read", async () => {
    const documents = new MemoryDocumentStore();
    await documents.create("strategy-state", "ma-x", { pnl: { position: "not a number" } });
    const service = createStrategyService(quiet(), {
      documents,
      strategies: [
        {
          id: "ma-x",
          kind: "ma-crossover",
          account: "acc",
          symbol: "BTC-KRW",
          venue: "sim",
          params: { fastPeriod: 2, slowPeriod: 4, quantity: "1" },
          enabled: true,
        },
      ],
    });
    await service.start();
    expect(service.engine.list().map((s) => [s.config.id, s.pnl.position])).toEqual([["ma-x", "0"]]);
    await service.stop();
  });
});
