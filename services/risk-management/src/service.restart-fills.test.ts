/**
 * Review 13a findings 1 and 3, over the in-memory bus and rpc: a restarted
 * risk service meets fills its durable Kafka group redelivers (the portfolio's
 * positions already hold them), before and after it has read the portfolio,
 * and an OMS that does not answer at start.
 */
import { afterEach, describe, expect, it } from "bun:test";
import {
  type Account,
  EventTypes,
  type Fill,
  type Order,
  type Position,
  type RiskDecision,
  Subjects,
  Topics,
} from "@jts/contracts";
import { envelope, InstrumentCatalog, memoryRuntime, rpcClient } from "@jts/kit";
import { eventually, fillFixture, orderFixture, readJson, silentLogger } from "@jts/kit/testing";
import { createRiskService } from "./service.ts";
import { cashAccount, marginAccount, serveNoWorkingOrders } from "./testing.ts";

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

const fill = (id: string, o: Partial<Fill> = {}): Fill =>
  fillFixture({ id, orderId: `o-${id}`, clientOrderId: `c-${id}`, ...o });
const held = (quantity: string, realizedPnl = "0"): Position => ({
  account: "acc",
  symbol: "005930",
  venue: "sim",
  quantity,
  averagePrice: "70000",
  realizedPnl,
  unrealizedPnl: "0",
  lastPrice: "70000",
  currency: "KRW",
  updatedAt: "1",
});
const limits = { maxOrderNotional: "100000000", maxPositionNotional: "100000000" };

async function portfolio(
  runtime: ReturnType<typeof memoryRuntime>,
  state: { up: boolean; positions: Position[]; accounts: Account[]; applied: () => string[] },
) {
  const answer =
    <T>(value: () => T) =>
    () => {
      if (!state.up) throw new Error("portfolio still starting");
      return value();
    };
  await runtime.rpc.serve(
    Subjects.positions,
    answer(() => state.positions),
  );
  await runtime.rpc.serve(
    Subjects.accounts,
    answer(() => state.accounts),
  );
  await runtime.rpc.serve(
    Subjects.appliedFills,
    answer(() => ({ fillIds: state.applied(), complete: true })),
  );
}

const publishFill = (runtime: ReturnType<typeof memoryRuntime>, f: Fill) =>
  runtime.bus.publish(Topics.fill, envelope(EventTypes.fill, "order-execution", f.account, f));

describe("fills redelivered to a restarted risk (review 13a finding 1)", () => {
  it("after the seed: a fill the portfolio's positions hold is skipped, a new one is booked", async () => {
    const runtime = memoryRuntime(silentLogger);
    // While risk was down: BUY 10 @ 70,000 (fill f1) filled and the portfolio booked it.
    await portfolio(runtime, {
      up: true,
      positions: [held("10")],
      accounts: [cashAccount("acc", "300000")],
      applied: () => ["f0", "f1"],
    });
    await serveNoWorkingOrders(runtime);
    const service = createRiskService(runtime, { catalog: new InstrumentCatalog(), limits });
    await service.start();
    stops.push(() => service.stop());
    await publishFill(runtime, fill("f1")); // the group's committed offset is before it
    await Bun.sleep(20);
    expect(service.engine.position("acc", "005930")).toBe(10_000_000_000n);
    const sell = (quantity: string) =>
      service.engine.check(orderFixture({ id: `s${quantity}`, clientOrderId: `s${quantity}`, side: "SELL", quantity }));
    expect(sell("20")).toMatchObject({ approved: false, rule: "INSUFFICIENT_BALANCE" });
    expect(sell("10").approved).toBe(true);
    // Cash was not taken twice either: 300,000 buys 4 (280,042 with fees), not 5.
    const buy = (quantity: string) =>
      service.engine.check(orderFixture({ id: `b${quantity}`, clientOrderId: `b${quantity}`, quantity }));
    expect(buy("4").approved).toBe(true);
    expect(buy("5").rule).toBe("INSUFFICIENT_BALANCE");
    await publishFill(runtime, fill("f2", { side: "SELL", quantity: "3" })); // after the restart: new
    await eventually(() => expect(service.engine.position("acc", "005930")).toBe(7_000_000_000n));
  });

  it("before the seed: fills wait for it; the one the portfolio holds is skipped, the one it has not applied is booked, realized P&L is not doubled", async () => {
    const runtime = memoryRuntime(silentLogger);
    const state = {
      up: false,
      // BUY 10 @ 70,000 then SELL 4 @ 75,000 (f1: +20,000 realized) are in the portfolio.
      positions: [held("6", "20000")],
      accounts: [marginAccount("acc")],
      applied: () => ["f0", "f1"],
    };
    await portfolio(runtime, state);
    await serveNoWorkingOrders(runtime);
    const service = createRiskService(runtime, { limits, loadRetryMs: 5, loadRetryMaxMs: 20 });
    await service.start();
    stops.push(() => service.stop());
    await publishFill(runtime, fill("f1", { side: "SELL", quantity: "4", price: "75000" })); // redelivered
    await publishFill(runtime, fill("f2", { side: "SELL", quantity: "1", price: "75000" })); // not in the portfolio yet
    await Bun.sleep(20);
    expect(service.engine.position("acc", "005930")).toBe(0n); // nothing booked before the seed
    state.up = true;
    await eventually(() => expect(service.engine.position("acc", "005930")).toBe(5_000_000_000n));
    const status = service.engine.accountStatus("acc");
    // Lifetime realized is 20,000 + 5,000; only f2's 5,000 was realized since the seed.
    expect(status.dailyRealizedPnl).toBe("5000");
  });

  it("reads the portfolio again when it applied a fill between the applied ids and the positions", async () => {
    const runtime = memoryRuntime(silentLogger);
    let reads = 0;
    // The first read of ids misses f1, which the positions already hold; the second read has it.
    await portfolio(runtime, {
      up: true,
      positions: [held("10")],
      accounts: [marginAccount("acc")],
      applied: () => (++reads === 1 ? [] : ["f1"]),
    });
    await serveNoWorkingOrders(runtime);
    const service = createRiskService(runtime, { limits, loadRetryMs: 5, loadRetryMaxMs: 20 });
    await service.start();
    stops.push(() => service.stop());
    await eventually(async () =>
      expect((await service.app.handle(new Request("http://localhost/ready"))).status).toBe(200),
    );
    expect(reads).toBeGreaterThanOrEqual(3);
    await publishFill(runtime, fill("f1"));
    await Bun.sleep(20);
    expect(service.engine.position("acc", "005930")).toBe(10_000_000_000n);
  });
});

describe("an OMS that does not answer at start (review 13a finding 3)", () => {
  it("refuses every order with WORKING_ORDERS_UNKNOWN, is not ready, naming the OMS, and keeps asking with capped backoff", async () => {
    const runtime = memoryRuntime(silentLogger);
    await portfolio(runtime, { up: true, positions: [], accounts: [cashAccount("acc", "800000")], applied: () => [] });
    let asked = 0;
    let omsUp = false;
    const resting = orderFixture({
      id: "r1",
      clientOrderId: "r1",
      type: "LIMIT",
      timeInForce: "GTC",
      price: "70000",
      status: "ACCEPTED",
    });
    await runtime.rpc.serve(Subjects.orderList, (request) => {
      asked++;
      if (!omsUp) throw new Error("OMS still starting");
      return (request as { status?: string }).status === "ACCEPTED" ? [resting] : ([] as Order[]);
    });
    const service = createRiskService(runtime, { limits, loadRetryMs: 1, loadRetryMaxMs: 4 });
    await service.start();
    stops.push(() => service.stop());
    service.engine.onPrice("005930", "70000");
    const ready = await service.app.handle(new Request("http://localhost/ready"));
    expect(ready.status).toBe(503);
    expect(await readJson(ready)).toMatchObject({
      checks: { balances: true, workingOrders: false },
      reasons: { workingOrders: expect.stringMatching(/^the OMS does not answer: .*OMS still starting/) },
    });
    const { call } = rpcClient(runtime.rpc);
    const buy = (id: string) =>
      call(Subjects.riskCheck, {
        order: orderFixture({ id, clientOrderId: id, type: "LIMIT", timeInForce: "GTC", price: "70000" }),
      }) as Promise<RiskDecision>;
    const refused = await buy("n1");
    expect(refused).toMatchObject({ approved: false, rule: "WORKING_ORDERS_UNKNOWN" });
    expect(refused.reason).toContain("working orders are not known (the OMS does not answer");
    // Capped at 4 ms between tries, it keeps asking (past any give-up count).
    await eventually(() => expect(asked).toBeGreaterThan(20 * 6));
    omsUp = true;
    await eventually(async () =>
      expect((await service.app.handle(new Request("http://localhost/ready"))).status).toBe(200),
    );
    // The 700,000 buy resting at the venue holds its cash: another one does not fit 800,000.
    expect(await buy("n2")).toMatchObject({ approved: false, rule: "INSUFFICIENT_BALANCE" });
  });
});
