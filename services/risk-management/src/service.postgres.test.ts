import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { type Position, Subjects } from "@jts/contracts";
import { memoryRuntime, rpcClient } from "@jts/kit";
import { PostgresDocumentStore, startTestPostgres, type TestPostgres } from "@jts/kit/postgres";
import { silentLogger } from "@jts/kit/testing";
import { createRiskService } from "./service.ts";
import { SETTINGS_COLLECTION } from "./settings.ts";
import { marginAccount, servePortfolio } from "./testing.ts";

const limits = { maxOrderNotional: "100", maxPositionNotional: "100" };
let pg: TestPostgres;
beforeAll(async () => {
  pg = await startTestPostgres();
});
afterAll(() => pg.stop());

/** A risk service on a fresh in-memory runtime (an empty cache): only PostgreSQL carries the settings. */
async function riskOnPostgres() {
  const runtime = memoryRuntime(silentLogger);
  const service = createRiskService(runtime, { limits, documents: new PostgresDocumentStore(pg.sql) });
  await service.start();
  return { service, call: rpcClient(runtime.rpc).call };
}

describe("risk settings in PostgreSQL (the platform's document store)", () => {
  it("keeps a kill switch and limits across a restart, and starts HALTED when the stored copy is damaged", async () => {
    const first = await riskOnPostgres();
    await first.call(Subjects.riskSetState, { state: "HALTED", account: "acc", reason: "desk" });
    await first.call(Subjects.riskSetState, { state: "REDUCING", reason: "news" });
    await first.call(Subjects.riskSetLimits, { account: "acc", limits: { maxOrderNotional: "70" } });
    await first.service.stop();

    const second = await riskOnPostgres();
    expect(second.service.engine.stateOf("acc")).toBe("HALTED");
    expect(second.service.engine.status()).toMatchObject({ state: "REDUCING", reason: "news" });
    expect(second.service.engine.limits.view("acc").limits).toEqual({ maxOrderNotional: "70" });
    await second.service.stop();

    await pg.sql`UPDATE documents SET body = '{"limits": {"defaults": {}}}'::jsonb
      WHERE collection = ${SETTINGS_COLLECTION}`;
    const third = await riskOnPostgres();
    expect(third.service.engine.status().state).toBe("HALTED");
    expect(third.service.engine.status().reason).toContain("stored risk settings are unreadable");
    await third.service.stop();
  });
});

describe("day baselines in PostgreSQL", () => {
  it("keeps today's P&L baseline and the drawdown peak across a restart through the documents table alone", async () => {
    await pg.sql`DELETE FROM documents WHERE collection = ${SETTINGS_COLLECTION}`;
    const now = () => Date.UTC(2026, 10, 25, 1, 0); // 10:00 KST
    let lastPrice = "70000";
    const position = (): Position => ({
      account: "acc",
      symbol: "005930",
      venue: "sim",
      quantity: "10",
      averagePrice: "70000",
      realizedPnl: "-900000", // an old loss: not today's
      unrealizedPnl: "0",
      lastPrice,
      currency: "KRW",
      updatedAt: "1",
    });
    const boot = async () => {
      const runtime = memoryRuntime(silentLogger);
      await servePortfolio(runtime, [marginAccount("acc")], () => [position()]);
      const service = createRiskService(runtime, {
        now,
        limits: { maxOrderNotional: "100000000", maxPositionNotional: "100000000", dailyLossLimit: "50000" },
        documents: new PostgresDocumentStore(pg.sql),
      });
      await service.start();
      return service;
    };
    const first = await boot();
    expect(first.engine.accountStatus("acc")).toMatchObject({ state: "ACTIVE", dailyPnl: "0" });
    first.engine.onPrice("005930", "75000"); // +50,000 today: the peak
    first.engine.onPrice("005930", "67000"); // -30,000 today
    lastPrice = "67000";
    await first.stop();

    const second = await boot();
    expect(second.engine.accountStatus("acc")).toMatchObject({
      state: "ACTIVE",
      dailyPnl: "-30000",
      drawdown: "80000",
    });
    await second.stop();
  });
});
