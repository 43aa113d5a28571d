import { afterAll, describe, expect, it } from "bun:test";
import { Subjects } from "@jts/contracts";
import { InstrumentCatalog, memoryRuntime, rpcClient } from "@jts/kit";
import { orderFixture, silentLogger } from "@jts/kit/testing";
import { createRiskService } from "./service.ts";
import { servePortfolio } from "./testing.ts";

const runtime = memoryRuntime(silentLogger);
const service = createRiskService(runtime, {
  catalog: new InstrumentCatalog(),
  limits: { maxOrderNotional: "1000000", maxPositionNotional: "100000000" },
});
afterAll(() => service.stop());

describe("risk /metrics", () => {
  it("counts pre-trade checks by outcome and by the rule that refused", async () => {
    // Risk refuses every order until the portfolio and the OMS have answered (fail closed).
    await servePortfolio(runtime);
    await service.start();
    const { call } = rpcClient(runtime.rpc, 1000);
    await call(Subjects.riskCheck, { order: orderFixture({ quantity: "1", price: "70000" }) });
    await call(Subjects.riskCheck, {
      order: orderFixture({ id: "o-2", clientOrderId: "c-2", quantity: "2", price: "70000" }),
    });
    const refused = await call(Subjects.riskCheck, { order: orderFixture({ quantity: "100", price: "70000" }) });
    expect(refused.approved).toBe(false);
    expect(refused.rule).toBeTruthy();
    const text = await (await service.app.handle(new Request("http://localhost/metrics"))).text();
    expect(text).toContain('jts_risk_decisions_total{decision="approved",rule=""} 2');
    expect(text).toContain(`jts_risk_decisions_total{decision="refused",rule="${refused.rule}"} 1`);
  });
});
