import { beforeEach, describe, expect, it } from "bun:test";
import {
  type Account,
  type AccountModeChange,
  type EquitySnapshot,
  EventTypes,
  type Fill,
  Subjects,
  Topics,
} from "@jts/contracts";
import { AppError, envelope, MemoryAuditLog, memoryRuntime, type Runtime } from "@jts/kit";
import { eventually, fillFixture, readJson, silentLogger } from "@jts/kit/testing";
import { createPortfolioService } from "./service.ts";

const accounts = [
  { id: "krw-1", owner: "alice", venue: "sim" as const, baseCurrency: "KRW", startingCash: "1000000" },
  { id: "usdt-1", owner: "alice", venue: "paper" as const, baseCurrency: "USDT", startingCash: "5000" },
];

/** Stands in for the risk service's risk.limits.get until it is merged: limits per account, or none. */
async function fakeRiskLimits(runtime: Runtime, limits: Record<string, object>) {
  const asked: string[] = [];
  await runtime.rpc.serve(Subjects.riskLimitsGet, (request) => {
    const { account } = request as { account: string };
    asked.push(account);
    const own = limits[account] ?? null;
    return {
      account,
      limits: own,
      effective: { maxOrderNotional: "1", maxPositionNotional: "1", ...own },
      symbols: [],
    };
  });
  return asked;
}

const arm = (runtime: Runtime, account: string, confirm = account) =>
  runtime.rpc.request<Account>(Subjects.accountArm, { account, confirm, reason: "go live" }, { actor: "root" });

const refusal = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
};

describe("live-trading arming", () => {
  let runtime: Runtime;
  let audit: MemoryAuditLog;
  let changes: AccountModeChange[];
  beforeEach(async () => {
    runtime = memoryRuntime(silentLogger);
    audit = new MemoryAuditLog();
    changes = [];
    await runtime.bus.subscribe(Topics.accountMode, (e) => void changes.push(e.payload as AccountModeChange));
  });

  it("refuses to arm while the account's risk limits are unset, arms once they are set, audits both", async () => {
    const limits: Record<string, object> = {};
    const asked = await fakeRiskLimits(runtime, limits);
    const service = createPortfolioService(runtime, { accounts, audit, liveTradingEnabled: true, equityIntervalMs: 0 });
    await service.start();

    const refused = await refusal(arm(runtime, "krw-1"));
    expect(refused.code).toBe("CONFLICT");
    expect(refused.message).toContain("risk limits for krw-1 are unset");
    expect(asked).toEqual(["krw-1"]);
    expect((await service.portfolio.listAccounts(["krw-1"]))[0]?.mode).toBe("PAPER");

    limits["krw-1"] = { maxOrderNotional: "1000000", maxPositionNotional: "5000000" };
    const armed = await arm(runtime, "krw-1");
    expect(armed).toMatchObject({ id: "krw-1", mode: "LIVE" });
    // Every read path shows the mode: rpc and HTTP.
    const listed = await runtime.rpc.request<Account[]>(Subjects.accounts, { owner: "alice" });
    expect(listed.map((a) => [a.id, a.mode])).toEqual([
      ["krw-1", "LIVE"],
      ["usdt-1", "PAPER"],
    ]);
    const overHttp = (await readJson(await service.app.handle(new Request("http://localhost/accounts")))) as Account[];
    expect(overHttp.map((a) => a.mode)).toEqual(["LIVE", "PAPER"]);

    await eventually(() => expect(changes).toHaveLength(1));
    expect(changes[0]).toMatchObject({ account: "krw-1", mode: "LIVE", previous: "PAPER", changedBy: "root" });

    const entries = (await audit.list()).reverse();
    expect(entries.map((e) => [e.action, e.actor, e.target, e.details?.outcome])).toEqual([
      ["account.arm", "root", "krw-1", "refused"],
      ["account.arm", "root", "krw-1", "LIVE"],
    ]);
    expect(entries[0]?.details?.why).toContain("risk limits");
    await service.stop();
  });

  it("refuses to arm on account limits that leave the order or position size open", async () => {
    const limits: Record<string, object> = { "krw-1": {}, "usdt-1": { maxOrderNotional: "100", dailyLossLimit: "50" } };
    await fakeRiskLimits(runtime, limits);
    const service = createPortfolioService(runtime, { accounts, audit, liveTradingEnabled: true, equityIntervalMs: 0 });
    await service.start();
    const empty = await refusal(arm(runtime, "krw-1"));
    expect(empty.code).toBe("CONFLICT");
    expect(empty.message).toContain("maxOrderNotional, maxPositionNotional");
    const partial = await refusal(arm(runtime, "usdt-1"));
    expect(partial.code).toBe("CONFLICT");
    expect(partial.message).toContain("risk limits for usdt-1 are unset: maxPositionNotional");
    expect((await service.portfolio.listAccounts()).map((a) => a.mode)).toEqual(["PAPER", "PAPER"]);
    await service.stop();
  });

  it("refuses everything when the platform does not allow live trading, and fails closed without a risk answer", async () => {
    await fakeRiskLimits(runtime, { "krw-1": { maxOrderNotional: "1" } });
    const locked = createPortfolioService(runtime, { accounts, audit, equityIntervalMs: 0 });
    await locked.start();
    expect((await refusal(arm(runtime, "krw-1"))).code).toBe("FORBIDDEN");
    await locked.stop();

    const other = memoryRuntime(silentLogger);
    const open = createPortfolioService(other, { accounts, audit, liveTradingEnabled: true, equityIntervalMs: 0 });
    await open.start();
    // No risk service answers on this runtime.
    expect((await refusal(arm(other, "krw-1"))).code).toBe("UNAVAILABLE");
    expect((await refusal(arm(other, "krw-1", "usdt-1"))).code).toBe("BAD_REQUEST");
    expect((await refusal(arm(other, "nobody"))).code).toBe("NOT_FOUND");
    expect((await open.portfolio.listAccounts()).map((a) => a.mode)).toEqual(["PAPER", "PAPER"]);
    expect((await audit.list()).map((e) => e.details?.outcome)).toEqual(["refused", "refused", "refused", "refused"]);
    await open.stop();
  });

  it("always disarms, even with live trading switched off since, and announces only real changes", async () => {
    await fakeRiskLimits(runtime, { "usdt-1": { maxOrderNotional: "100", maxPositionNotional: "500" } });
    const first = createPortfolioService(runtime, { accounts, audit, liveTradingEnabled: true, equityIntervalMs: 0 });
    await first.start();
    await arm(runtime, "usdt-1");
    await arm(runtime, "usdt-1"); // already LIVE: audited, not announced again
    await first.stop();

    // Same books, restarted without JTS_LIVE_TRADING: disarming still works.
    const second = createPortfolioService(runtime, {
      accounts,
      audit,
      repository: first.portfolio.repository,
      equityIntervalMs: 0,
    });
    await second.start();
    // An actor in the body is not who asked: the envelope's is.
    const disarm = { account: "usdt-1", actor: "mallory", reason: "weekend" };
    const as = { actor: "bob" };
    expect(await runtime.rpc.request<Account>(Subjects.accountDisarm, disarm, as)).toMatchObject({ mode: "PAPER" });
    expect(await runtime.rpc.request<Account>(Subjects.accountDisarm, disarm, as)).toMatchObject({ mode: "PAPER" });
    await eventually(() => expect(changes).toHaveLength(2));
    await Bun.sleep(10);
    expect(changes.map((c) => [c.mode, c.previous, c.changedBy, c.reason])).toEqual([
      ["LIVE", "PAPER", "root", "go live"],
      ["PAPER", "LIVE", "bob", "weekend"],
    ]);
    expect((await audit.list({ actor: "bob" })).map((e) => [e.action, e.details?.outcome, e.details?.reason])).toEqual([
      ["account.disarm", "PAPER", "weekend"],
      ["account.disarm", "PAPER", "weekend"],
    ]);
    await second.stop();
  });
});

describe("equity snapshots", () => {
  it("stores and announces each currency's equity after a fill and on request, served over rpc and HTTP", async () => {
    const runtime = memoryRuntime(silentLogger);
    const announced: EquitySnapshot[] = [];
    await runtime.bus.subscribe(Topics.equity, (e) => void announced.push(e.payload as EquitySnapshot));
    const service = createPortfolioService(runtime, { accounts, markThrottleMs: 0, equityIntervalMs: 0 });
    await service.start();
    const fill: Fill = fillFixture({
      id: "F-1",
      orderId: "o",
      clientOrderId: "c",
      account: "usdt-1",
      venue: "paper",
      symbol: "BTC-USDT",
      price: "60000",
      quantity: "0.05",
      fee: "1.5",
      feeCurrency: "USDT",
      tsEvent: "1764236400000000000",
    });
    await runtime.bus.publish(Topics.fill, envelope(EventTypes.fill, "oms", "usdt-1", fill));
    await eventually(() => expect(announced).toHaveLength(1));
    expect(announced[0]).toMatchObject({ account: "usdt-1", currency: "USDT", equity: "4998.5" });

    // Price moves: the next snapshot marks the position to it (0.05 x 62000 + 1998.5).
    await runtime.bus.publish(
      Topics.tick("paper", "BTC-USDT"),
      envelope(EventTypes.tick, "paper", "BTC-USDT", {
        symbol: "BTC-USDT",
        venue: "paper",
        price: "62000",
        quantity: "1",
        aggressor: "BUY",
        tradeId: "t",
        tsEvent: "1764236400000000001",
      }),
    );
    await eventually(async () => expect((await service.portfolio.listPositions())[0]?.lastPrice).toBe("62000"));
    await service.snapshotEquity();
    const history = await runtime.rpc.request<EquitySnapshot[]>(Subjects.equity, { accounts: ["usdt-1"] });
    expect(history.map((s) => [s.currency, s.equity])).toEqual([
      ["USDT", "4998.5"],
      ["USDT", "5098.5"],
    ]);
    const all = (await readJson(
      await service.app.handle(new Request(`http://localhost/equity?since=${history[1]?.ts}`)),
    )) as EquitySnapshot[];
    expect(all.map((s) => [s.account, s.currency, s.equity])).toEqual([
      ["krw-1", "KRW", "1000000"],
      ["usdt-1", "USDT", "5098.5"],
    ]);
    await service.stop();
  });
});
