import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { Subjects } from "@jts/contracts";
import { createLogger, memoryRuntime, rpcClient } from "@jts/kit";
import { PostgresDocumentStore, startTestPostgres, type TestPostgres } from "@jts/kit/postgres";
import { createRiskService } from "./service.ts";
import { SETTINGS_COLLECTION } from "./settings.ts";

const quiet = createLogger({}, "error", () => {});
const limits = { maxOrderNotional: "100", maxPositionNotional: "100" };
let pg: TestPostgres;
beforeAll(async () => {
  pg = await startTestPostgres();
});
afterAll(() => pg.stop());

/** A risk service on a fresh in-memory runtime (an empty cache): only PostgreSQL carries the settings. */
async function riskOnPostgres() {
  const runtime = memoryRuntime(quiet);
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
