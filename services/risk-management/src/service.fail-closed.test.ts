import { afterEach, describe, expect, it } from "bun:test";
import { EventTypes, type Order, type Quote, type RiskDecision, Subjects, Topics } from "@jts/contracts";
import { envelope, InstrumentCatalog, memoryRuntime, rpcClient } from "@jts/kit";
import { eventually, orderFixture, readJson, silentLogger } from "@jts/kit/testing";
import { createRiskService } from "./service.ts";
import { cashAccount, marginAccount, serveAppliedFills, serveNoWorkingOrders } from "./testing.ts";

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

describe("risk service fails closed (issue 13.3)", () => {
  it("refuses orders and is not ready while balances are unknown, and keeps asking the portfolio past 10 tries", async () => {
    const runtime = memoryRuntime(silentLogger);
    let asked = 0;
    let up = false;
    await serveNoWorkingOrders(runtime);
    await serveAppliedFills(runtime);
    await runtime.rpc.serve(Subjects.positions, () => []);
    await runtime.rpc.serve(Subjects.accounts, () => {
      asked++;
      if (!up) throw new Error("portfolio still starting");
      return [cashAccount("acc", "800000")];
    });
    const service = createRiskService(runtime, {
      catalog: new InstrumentCatalog(),
      limits: { maxOrderNotional: "100000000", maxPositionNotional: "100000000" },
      loadRetryMs: 1,
      loadRetryMaxMs: 4,
    });
    await service.start();
    stops.push(() => service.stop());
    service.engine.onPrice("005930", "70000");

    const ready = await service.app.handle(new Request("http://localhost/ready"));
    expect(ready.status).toBe(503);
    expect(await readJson(ready)).toMatchObject({
      checks: { balances: false },
      reasons: { balances: expect.stringContaining("portfolio still starting") },
    });
    const refused = (await rpcClient(runtime.rpc).call(Subjects.riskCheck, { order: orderFixture() })) as RiskDecision;
    expect(refused).toMatchObject({ approved: false, rule: "BALANCE_UNKNOWN" });
    // Today's main gave up after 10 tries and then ran with no cash check at all.
    await eventually(() => expect(asked).toBeGreaterThan(15));
    up = true;
    await eventually(async () =>
      expect((await service.app.handle(new Request("http://localhost/ready"))).status).toBe(200),
    );
    // Now the cash check runs: 700,000 + band + fee fits 800,000 once, not twice.
    const { call } = rpcClient(runtime.rpc);
    const first = orderFixture({ id: "m1", clientOrderId: "m1" });
    expect(((await call(Subjects.riskCheck, { order: first })) as RiskDecision).approved).toBe(true);
    const second = (await call(Subjects.riskCheck, {
      order: orderFixture({ id: "m2", clientOrderId: "m2" }),
    })) as RiskDecision;
    expect(second).toMatchObject({ approved: false, rule: "INSUFFICIENT_BALANCE" });
  });

  it("refuses with BALANCE_UNKNOWN and a reason a trader reads while the portfolio does not answer", async () => {
    const runtime = memoryRuntime(silentLogger);
    await serveNoWorkingOrders(runtime);
    await serveAppliedFills(runtime);
    const service = createRiskService(runtime, { loadRetryMs: 60_000 });
    await service.start();
    stops.push(() => service.stop());
    service.engine.onPrice("005930", "70000");
    const decision = (await rpcClient(runtime.rpc).call(Subjects.riskCheck, {
      order: orderFixture(),
    })) as RiskDecision;
    expect(decision).toMatchObject({ approved: false, rule: "BALANCE_UNKNOWN" });
    expect(decision.reason).toContain("balances are not known (the portfolio does not answer");
    // It asks again when an order comes: once the portfolio is up, the next order passes without waiting for a retry.
    await runtime.rpc.serve(Subjects.positions, () => []);
    await runtime.rpc.serve(Subjects.accounts, () => [marginAccount("acc")]);
    const after = (await rpcClient(runtime.rpc).call(Subjects.riskCheck, {
      order: orderFixture({ id: "o2", clientOrderId: "c2" }),
    })) as RiskDecision;
    expect(after.approved).toBe(true);
    expect((await service.app.handle(new Request("http://localhost/ready"))).status).toBe(200);
  });

  it("counts the orders already working at the OMS after a restart", async () => {
    const runtime = memoryRuntime(silentLogger);
    await runtime.rpc.serve(Subjects.positions, () => []);
    await runtime.rpc.serve(Subjects.accounts, () => [marginAccount("acc")]);
    await serveAppliedFills(runtime);
    const resting = (id: string): Order =>
      orderFixture({ id, clientOrderId: id, type: "LIMIT", timeInForce: "GTC", price: "70000", quantity: "14" });
    await runtime.rpc.serve(Subjects.orderList, (request) => {
      const query = request as { status?: string };
      return query.status === "ACCEPTED"
        ? [{ ...resting("r1"), status: "ACCEPTED" }]
        : query.status === "NEW"
          ? [resting("r2")]
          : [];
    });
    const service = createRiskService(runtime, {
      limits: { maxOrderNotional: "1000000", maxPositionNotional: "2000000" },
    });
    await service.start();
    stops.push(() => service.stop());
    service.engine.onPrice("005930", "70000");
    await eventually(async () => {
      const d = (await rpcClient(runtime.rpc).call(Subjects.riskCheck, { order: resting("r3") })) as RiskDecision;
      expect(d).toMatchObject({ approved: false, rule: "MAX_POSITION" });
    });
  });

  it("reserves a MARKET buy's cash from the venue's best ask on md.quote when it is above the last trade", async () => {
    const runtime = memoryRuntime(silentLogger);
    await runtime.rpc.serve(Subjects.positions, () => []);
    await runtime.rpc.serve(Subjects.accounts, () => [cashAccount("acc", "710000")]);
    await serveNoWorkingOrders(runtime);
    await serveAppliedFills(runtime);
    const service = createRiskService(runtime, { marketSlippageBps: 0 });
    await service.start();
    stops.push(() => service.stop());
    service.engine.onPrice("005930", "70000");
    const check = async (id: string) =>
      (
        (await rpcClient(runtime.rpc).call(Subjects.riskCheck, {
          order: orderFixture({ id, clientOrderId: id }),
        })) as RiskDecision
      ).rule;
    expect(await check("m1")).toBeNull(); // 700,105 with fees; then it is cancelled and holds nothing
    const cancelled = orderFixture({ id: "m1", clientOrderId: "m1", status: "CANCELED" });
    await runtime.bus.publish(Topics.orderUpdated, envelope(EventTypes.order, "test", "acc", cancelled));
    const quote: Quote = {
      symbol: "005930",
      venue: "sim",
      bid: "70900",
      bidSize: "5",
      ask: "71000",
      askSize: "5",
      tsEvent: "1",
    };
    await runtime.bus.publish(Topics.quote("sim", "005930"), envelope(EventTypes.quote, "test", "005930", quote));
    await eventually(async () => expect(await check("m2")).toBe("INSUFFICIENT_BALANCE")); // 710,106.5 with fees
    expect(service.engine.check(orderFixture({ id: "m3", clientOrderId: "m3" })).reason).toContain(
      "needs 710106.5 KRW with fees, 710000 is free",
    );
  });
});
