import { afterEach, describe, expect, it } from "bun:test";
import {
  type Account,
  type AccountMode,
  type AccountModeChange,
  type Envelope,
  EventTypes,
  type Order,
  type RiskDecision,
  type RiskLimitsView,
  Subjects,
  type Tick,
  Topics,
  type TradingStateChange,
} from "@jts/contracts";
import {
  AppError,
  envelope,
  InstrumentCatalog,
  MemoryAuditLog,
  MemoryDocumentStore,
  memoryRuntime,
  type Runtime,
  rpcClient,
} from "@jts/kit";
import { eventually, fillFixture, orderFixture, silentLogger } from "@jts/kit/testing";
import { createRiskService } from "./service.ts";
import { cashAccount, serveAppliedFills, serveNoWorkingOrders, servePortfolio } from "./testing.ts";

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

async function riskService(limits: Record<string, unknown> = {}, options: { portfolio?: boolean } = {}) {
  const runtime = memoryRuntime(silentLogger);
  if (options.portfolio ?? true) await servePortfolio(runtime);
  const audit = new MemoryAuditLog();
  const service = createRiskService(runtime, {
    catalog: new InstrumentCatalog(),
    limits: { maxOrderNotional: "100000000", maxPositionNotional: "100000000", ...limits },
    audit,
  });
  await service.start();
  stops.push(() => service.stop());
  const states: TradingStateChange[] = [];
  await runtime.bus.subscribe(Topics.tradingState, (e: Envelope) => {
    states.push(e.payload as TradingStateChange);
  });
  const { call } = rpcClient(runtime.rpc);
  const tick = (price: string) =>
    runtime.bus.publish(
      Topics.tick("sim", "005930"),
      envelope("Tick", "test", "005930", {
        symbol: "005930",
        venue: "sim",
        price,
        quantity: "1",
        aggressor: "NONE",
        tradeId: `t-${price}`,
        tsEvent: "1",
      } satisfies Tick),
    );
  const fill = (side: "BUY" | "SELL", quantity: string, price: string, id: string) =>
    runtime.bus.publish(
      Topics.fill,
      envelope(
        "Fill",
        "test",
        "acc",
        fillFixture({ id, orderId: `o-${id}`, clientOrderId: `c-${id}`, side, price, quantity }),
      ),
    );
  const check = (overrides: Partial<Order>) =>
    call(Subjects.riskCheck, { order: orderFixture(overrides) }) as Promise<RiskDecision>;
  return { runtime, service, audit, states, call, tick, fill, check };
}

/** The rejection of a call that must fail, as the AppError the rpc client rebuilt. */
async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

const account = (id: string, mode: AccountMode): Account => ({
  id,
  owner: "alice",
  venue: "sim",
  kind: "MARGIN",
  baseCurrency: "KRW",
  mode,
  balances: [],
});

const modeChange = (runtime: Runtime, account: string, mode: AccountMode) =>
  runtime.bus.publish(
    Topics.accountMode,
    envelope(EventTypes.accountMode, "test", account, {
      account,
      mode,
      previous: mode === "LIVE" ? "PAPER" : "LIVE",
      changedBy: "root",
      reason: "",
      tsEvent: "1",
    } satisfies AccountModeChange),
  );

describe("risk service", () => {
  it("halts an account by itself on a daily loss breach and publishes cancelOpenOrders for the OMS", async () => {
    const r = await riskService({ dailyLossLimit: "30000" });
    await r.tick("70000");
    await r.fill("BUY", "10", "70000", "f1");
    await eventually(() => expect(r.service.engine.position("acc", "005930")).toBe(10_000_000_000n));
    await r.tick("67500"); // -25,000
    await r.tick("66900"); // -31,000
    await eventually(() => expect(r.states).toHaveLength(1));
    expect(r.states[0]).toMatchObject({
      account: "acc",
      state: "HALTED",
      previous: "ACTIVE",
      cancelOpenOrders: true,
      changedBy: "risk-management",
    });
    expect((await r.check({ side: "SELL", quantity: "1" })).rule).toBe("TRADING_HALTED");
    expect((await r.check({ account: "other", quantity: "1" })).approved).toBe(true);
    const status = await r.call(Subjects.riskStatus);
    expect(status.state).toBe("ACTIVE");
    expect(status.accounts?.find((a) => a.account === "acc")).toMatchObject({ state: "HALTED", dailyPnl: "-31000" });
    const audited = await r.audit.list({ actor: "risk-management" });
    expect(audited[0]).toMatchObject({ action: "risk.set-state", target: "acc" });
  });

  it("switches the platform or one account on request, and only HALTED carries cancelOpenOrders", async () => {
    const r = await riskService();
    await r.call(
      Subjects.riskSetState,
      { state: "HALTED", account: "acc", reason: "desk", cancelOpenOrders: true },
      { actor: "alice" },
    );
    await r.call(Subjects.riskSetState, { state: "REDUCING", reason: "news" }, { actor: "root" });
    await eventually(() => expect(r.states).toHaveLength(2));
    expect(r.states[0]).toMatchObject({ account: "acc", state: "HALTED", cancelOpenOrders: true, changedBy: "alice" });
    expect(r.states[1]).toMatchObject({ account: null, state: "REDUCING", cancelOpenOrders: false });
    expect(await r.audit.list({ actor: "alice" })).toMatchObject([{ action: "risk.set-state", target: "acc" }]);
  });

  it("audits the caller from the rpc envelope, not a changedBy in the body", async () => {
    const r = await riskService();
    const forged = { state: "HALTED", account: "acc", reason: "x", changedBy: "mallory" } as const;
    await r.call(Subjects.riskSetState, forged, { actor: "alice" });
    await r.call(
      Subjects.riskSetLimits,
      // @ts-expect-error a forged field the contract does not have: the server must ignore it
      { limits: { maxOrderNotional: "9" }, changedBy: "mallory" },
      { actor: "root" },
    );
    await eventually(() => expect(r.states).toHaveLength(1));
    expect(r.states[0]?.changedBy).toBe("alice");
    expect(await r.audit.list({ actor: "mallory" })).toEqual([]);
    expect((await r.audit.list({ actor: "alice" })).map((e) => e.action)).toEqual(["risk.set-state"]);
    expect((await r.audit.list({ actor: "root" })).map((e) => e.action)).toEqual(["risk.set-limits"]);
  });

  it("applies limits set over rpc to the next order and reports an account's own limits for live arming", async () => {
    const r = await riskService();
    await r.tick("70000");
    expect(((await r.call(Subjects.riskLimitsGet, { account: "acc" })) as RiskLimitsView).limits).toBeNull();
    expect((await r.check({ id: "o1", clientOrderId: "c1", quantity: "10" })).approved).toBe(true);
    await r.call(Subjects.riskSetLimits, { account: "acc", limits: { maxOrderNotional: "500000" } }, { actor: "root" });
    const refused = await r.check({ id: "o2", clientOrderId: "c2", quantity: "10" });
    expect(refused).toMatchObject({ approved: false, rule: "MAX_ORDER_NOTIONAL" });
    const view = (await r.call(Subjects.riskLimitsGet, { account: "acc" })) as RiskLimitsView;
    expect(view).toMatchObject({ account: "acc", limits: { maxOrderNotional: "500000" } });
    expect(await r.audit.list({ actor: "root" })).toMatchObject([
      { action: "risk.set-limits", target: "acc", details: { limits: { maxOrderNotional: "500000" } } },
    ]);
  });

  it("refuses an empty limits patch with a 400 and counts only account-level limits as the account's own", async () => {
    const r = await riskService();
    for (const scope of [{}, { account: "acc" }, { account: "acc", symbol: "005930" }])
      expect(await refusal(r.call(Subjects.riskSetLimits, { ...scope, limits: {} }))).toMatchObject({
        code: "BAD_REQUEST",
      });
    expect((await r.call(Subjects.riskLimitsGet, { account: "acc" })).limits).toBeNull();
    await r.call(Subjects.riskSetLimits, { account: "acc", symbol: "005930", limits: { maxOrderNotional: "500000" } });
    const instrumentOnly = await r.call(Subjects.riskLimitsGet, { account: "acc" });
    expect(instrumentOnly.limits).toBeNull(); // an instrument override leaves every other instrument open
    expect(instrumentOnly.symbols).toEqual([{ symbol: "005930", limits: { maxOrderNotional: "500000" } }]);
    await r.call(Subjects.riskSetLimits, { account: "acc", limits: { maxPositionNotional: "900000" } });
    expect((await r.call(Subjects.riskLimitsGet, { account: "acc" })).limits).toEqual({
      maxPositionNotional: "900000",
    });
  });

  it("refuses to clear a LIVE account's limits with a 409, following the portfolio's mode changes", async () => {
    const r = await riskService({}, { portfolio: false });
    const own = { maxOrderNotional: "500000", maxPositionNotional: "900000" };
    await r.call(Subjects.riskSetLimits, { account: "acc", limits: own });
    // Started before the portfolio: nobody can say the account is not LIVE yet.
    expect(await refusal(r.call(Subjects.riskSetLimits, { account: "acc", limits: {}, clear: true }))).toMatchObject({
      code: "UNAVAILABLE",
    });
    await r.runtime.rpc.serve(Subjects.accounts, () => [account("acc", "PAPER"), account("armed", "LIVE")]);
    await r.call(Subjects.riskSetLimits, { account: "armed", limits: own });
    expect(await refusal(r.call(Subjects.riskSetLimits, { account: "armed", limits: {}, clear: true }))).toMatchObject({
      code: "CONFLICT",
    });
    await r.call(Subjects.riskSetLimits, { account: "acc", symbol: "005930", limits: { maxOrderNotional: "1000" } });
    await modeChange(r.runtime, "acc", "LIVE");
    await eventually(async () =>
      expect(await refusal(r.call(Subjects.riskSetLimits, { account: "acc", limits: {}, clear: true }))).toMatchObject({
        code: "CONFLICT",
        message: expect.stringContaining("acc is LIVE"),
      }),
    );
    expect((await r.call(Subjects.riskLimitsGet, { account: "acc" })).limits).toEqual(own);
    // The instrument override may go: the account's own limits still bound it.
    await r.call(Subjects.riskSetLimits, { account: "acc", symbol: "005930", limits: {}, clear: true });
    await modeChange(r.runtime, "acc", "PAPER");
    await eventually(() => r.call(Subjects.riskSetLimits, { account: "acc", limits: {}, clear: true }));
    expect((await r.call(Subjects.riskLimitsGet, { account: "acc" })).limits).toBeNull();
  });

  it("audits every decision, approved or refused, with its rule", async () => {
    const r = await riskService();
    await r.tick("70000");
    await r.check({ id: "o1", clientOrderId: "c1" });
    await r.check({ id: "o2", clientOrderId: "c2", quantity: "0" });
    const entries = await r.audit.list({ actor: "acc" });
    expect(entries.map((e) => [e.action, e.target, e.details?.approved, e.details?.rule])).toEqual([
      ["risk.check", "o2", false, "QUANTITY"],
      ["risk.check", "o1", true, null],
    ]);
  });

  it("limits the submit rate per account and per strategy in a sliding window", async () => {
    const r = await riskService({
      accountSubmitRate: { limit: 3, windowMs: 60_000 },
      strategySubmitRate: { limit: 2, windowMs: 60_000 },
    });
    await r.tick("70000");
    const send = (i: number, strategyId: string | null) =>
      r.check({ id: `o${i}`, clientOrderId: `c${i}`, quantity: String(i), strategyId });
    expect((await send(1, "ma-1")).approved).toBe(true);
    expect((await send(2, "ma-1")).approved).toBe(true);
    const strategy = await send(3, "ma-1");
    expect(strategy).toMatchObject({ approved: false, rule: "STRATEGY_SUBMIT_RATE" });
    expect(strategy.reason).toContain("strategy ma-1 may submit 2 orders per 60000 ms");
    expect((await send(4, null)).approved).toBe(true); // the account's 3rd
    const account = await send(5, null);
    expect(account).toMatchObject({ approved: false, rule: "ACCOUNT_SUBMIT_RATE" });
    expect(account.reason).toContain("account acc");
  });

  it("refuses an order crossing the account's own resting order seen on the order updates", async () => {
    const r = await riskService();
    await r.tick("70000");
    const resting = orderFixture({
      id: "ask",
      clientOrderId: "ask",
      side: "SELL",
      type: "LIMIT",
      timeInForce: "GTC",
      price: "70500",
      status: "ACCEPTED",
    });
    await r.runtime.bus.publish(Topics.orderUpdated, envelope("Order", "test", "acc", resting));
    await eventually(async () =>
      expect(
        (await r.check({ id: "b", clientOrderId: "b", type: "LIMIT", timeInForce: "GTC", price: "70600" })).rule,
      ).toBe("SELF_TRADE"),
    );
  });
});

describe("risk service restart", () => {
  it("keeps limits and states set at run time across a restart, through the cache", async () => {
    const runtime = memoryRuntime(silentLogger);
    const first = createRiskService(runtime, { limits: { maxOrderNotional: "100", maxPositionNotional: "100" } });
    await first.start();
    const { call } = rpcClient(runtime.rpc);
    await call(Subjects.riskSetLimits, { account: "acc", symbol: "005930", limits: { maxOrderNotional: "700000" } });
    await call(Subjects.riskSetState, { state: "HALTED", account: "acc", reason: "desk" });
    await call(Subjects.riskSetState, { state: "REDUCING", reason: "news" });
    await first.stop();

    const second = createRiskService(runtime, { limits: { maxOrderNotional: "100", maxPositionNotional: "100" } });
    await second.start();
    stops.push(() => second.stop());
    expect(second.engine.stateOf("acc")).toBe("HALTED");
    expect(second.engine.stateOf("other")).toBe("REDUCING");
    expect(second.engine.limits.view("acc").symbols).toEqual([
      { symbol: "005930", limits: { maxOrderNotional: "700000" } },
    ]);
  });

  it("starts the platform HALTED, and says why, when the stored copy breaks the schema or is not JSON", async () => {
    for (const stored of [JSON.stringify({ limits: { defaults: { maxOrderNotional: "x" } } }), "{not json"]) {
      const runtime = memoryRuntime(silentLogger);
      await runtime.cache.set("risk:settings", stored);
      const states: TradingStateChange[] = [];
      await runtime.bus.subscribe(Topics.tradingState, (e) => void states.push(e.payload as TradingStateChange));
      const service = createRiskService(runtime);
      await service.start();
      stops.push(() => service.stop());
      // Never half-applied: the defaults stay, but a kill switch that may have been on is not silently dropped.
      expect(service.engine.status()).toMatchObject({ state: "HALTED", limits: { maxOrderNotional: "50000000" } });
      expect(service.engine.status().reason).toContain("stored risk settings are unreadable");
      await eventually(() => expect(states).toMatchObject([{ account: null, state: "HALTED" }]));
    }
  });

  it("keeps settings in the document store when given one, and takes over a copy the cache still holds", async () => {
    const documents = new MemoryDocumentStore();
    const limits = { maxOrderNotional: "100", maxPositionNotional: "100" };
    const older = memoryRuntime(silentLogger); // an earlier version kept its settings in the cache
    const before = createRiskService(older, { limits });
    await before.start();
    await rpcClient(older.rpc).call(Subjects.riskSetState, { state: "HALTED", account: "acc", reason: "desk" });
    await before.stop();

    const first = createRiskService(older, { limits, documents });
    await first.start();
    expect(first.engine.stateOf("acc")).toBe("HALTED");
    await rpcClient(older.rpc).call(Subjects.riskSetLimits, { account: "acc", limits: { maxOrderNotional: "70" } });
    await first.stop();
    expect((await documents.list("risk-settings")).map((d) => d.name)).toEqual(["settings"]);

    const fresh = memoryRuntime(silentLogger); // an empty cache: everything comes from the documents
    const second = createRiskService(fresh, { limits, documents });
    await second.start();
    stops.push(() => second.stop());
    expect(second.engine.stateOf("acc")).toBe("HALTED");
    expect(second.engine.limits.view("acc").limits).toEqual({ maxOrderNotional: "70" });
    expect(await fresh.cache.get("risk:settings")).toBeNull();
  });
});

describe("risk service configuration", () => {
  it("reads the shipped KRX holiday file and env dates, gives sim stocks KRX hours when asked, leaves crypto 24/7", async () => {
    const { sessionsFor } = await import("./sessions.ts");
    const sessions = sessionsFor({
      KRX_HOLIDAYS: "2026-11-26",
      KRX_HOLIDAYS_FILE: new URL("../krx-holidays-2026.txt", import.meta.url).pathname,
      RISK_SIM_SESSIONS: "krx",
    });
    const samsung = new InstrumentCatalog().find("005930");
    const schedule = sessions(samsung as NonNullable<typeof samsung>);
    expect(schedule.holidays.has("2026-09-25")).toBe(true);
    expect(schedule.holidays.has("2026-11-26")).toBe(true);
    const btc = new InstrumentCatalog().find("BTC-KRW");
    expect(sessions(btc as NonNullable<typeof btc>).windows).toBeNull();
  });
});

describe("risk service start-up", () => {
  it("starts from the portfolio's positions and cash accounts, so limits see what is already held", async () => {
    const runtime = memoryRuntime(silentLogger);
    await runtime.rpc.serve(Subjects.positions, () => [
      {
        account: "acc",
        symbol: "005930",
        venue: "sim",
        quantity: "20",
        averagePrice: "70000",
        realizedPnl: "0",
        unrealizedPnl: "0",
        lastPrice: "70000",
        currency: "KRW",
        updatedAt: "1",
      },
    ]);
    await runtime.rpc.serve(Subjects.accounts, () => [cashAccount("acc", "100000")]);
    await serveNoWorkingOrders(runtime);
    await serveAppliedFills(runtime);
    const service = createRiskService(runtime, {
      limits: { maxOrderNotional: "100000000", maxPositionNotional: "1500000" },
    });
    await service.start();
    stops.push(() => service.stop());
    expect(service.engine.position("acc", "005930")).toBe(20_000_000_000n);
    const { call } = rpcClient(runtime.rpc);
    const check = async (overrides: Partial<Order>) =>
      ((await call(Subjects.riskCheck, { order: orderFixture(overrides) })) as RiskDecision).rule;
    expect(await check({ quantity: "1" })).toBeNull(); // valued at the portfolio's last price: no tick needed
    expect(await check({ quantity: "2" })).toBe("MAX_POSITION"); // 22 x 70,000 > 1,500,000
    expect(await check({ side: "SELL", quantity: "21" })).toBe("INSUFFICIENT_BALANCE"); // a cash account holding 20
    expect(await check({ side: "SELL", quantity: "20" })).toBeNull();
  });
});
