import { afterEach, describe, expect, it } from "bun:test";
import { type DocumentStore, type Position, type RiskDecision, Subjects, type Tick, Topics } from "@jts/contracts";
import {
  createLogger,
  envelope,
  MemoryDocumentStore,
  MemoryEventBus,
  memoryRuntime,
  type Runtime,
  rpcClient,
} from "@jts/kit";
import { eventually, orderFixture } from "@jts/kit/testing";
import { createRiskService, type RiskServiceOptions } from "./service.ts";
import { SETTINGS_COLLECTION } from "./settings.ts";
import { marginAccount, servePortfolio } from "./testing.ts";

/**
 * Two risk replicas on one document store whose announcements do not reach
 * each other (each on its own bus): a lost or late `documents.changed`. What
 * one replica stored must never be undone by the other's next write, and the
 * other must not trade on its stale copy for long.
 */
const quiet = createLogger({}, "error", () => {});
const limits = { maxOrderNotional: "100000000", maxPositionNotional: "100000000" };
const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

interface StoredSettings {
  limits: { overrides: Array<{ account: string; symbol: string; limits: Record<string, string> }> };
  states: { platform: { state: string }; accounts: Array<{ account: string; state: string }> };
}

async function replica(documents: DocumentStore, options: Partial<RiskServiceOptions> = {}, bus?: Runtime["bus"]) {
  const base = memoryRuntime(quiet);
  const runtime: Runtime = bus ? { ...base, bus } : base;
  await servePortfolio(runtime);
  // Polling off unless a test turns it on: these tests are about what a write does on a stale replica.
  const service = createRiskService(runtime, { limits, documents, settingsPollMs: 0, ...options });
  await service.start();
  service.engine.onPrice("005930", "70000");
  stops.push(() => service.stop());
  const { call } = rpcClient(runtime.rpc);
  const check = async (id: string, quantity = "1") =>
    (await call(Subjects.riskCheck, { order: orderFixture({ id, clientOrderId: id, quantity }) })) as RiskDecision;
  const ready = async () => (await service.app.handle(new Request("http://localhost/ready"))).status;
  return { service, call, check, ready };
}

/** `documents` as one replica sees it: its writes fail while `down` is set. */
function flaky(documents: DocumentStore) {
  const state = { down: false };
  const up = () => (state.down ? Promise.reject(new Error("connection refused")) : Promise.resolve());
  const view: DocumentStore = {
    create: (c, n, b) => up().then(() => documents.create(c, n, b)),
    update: (c, i, v, b) => up().then(() => documents.update(c, i, v, b)),
    delete: (c, i, v) => up().then(() => documents.delete(c, i, v)),
    get: (c, i) => documents.get(c, i),
    findByName: (c, n) => documents.findByName(c, n),
    list: (c) => documents.list(c),
    close: async () => {},
  };
  return { view, state };
}

const stored = async (documents: DocumentStore) => {
  const doc = await documents.findByName<StoredSettings>(SETTINGS_COLLECTION, "settings");
  if (!doc) throw new Error("settings were not stored");
  return doc.body;
};

describe("risk settings written by two replicas (announcement lost)", () => {
  it("keeps a HALT stored by one replica when a stale replica then changes a limit", async () => {
    const documents = new MemoryDocumentStore();
    const a = await replica(documents);
    const b = await replica(documents);
    await a.call(Subjects.riskSetState, { state: "HALTED", reason: "desk kill switch" });
    expect((await stored(documents)).states.platform.state).toBe("HALTED");

    // B never heard of the HALT; an operator tightens a limit through it.
    await b.call(Subjects.riskSetLimits, { account: "acc", limits: { maxOrderNotional: "500000" } });

    const after = await stored(documents);
    expect(after.states.platform.state).toBe("HALTED");
    expect(after.limits.overrides).toContainEqual({
      account: "acc",
      symbol: "",
      limits: { maxOrderNotional: "500000" },
    });
    // B took the HALT over while writing, and refuses orders.
    expect(b.service.engine.status().state).toBe("HALTED");
    expect((await b.check("b1")).approved).toBe(false);
  });

  it("keeps a limit tightened by one replica when a stale replica changes another account's limit", async () => {
    const documents = new MemoryDocumentStore();
    const a = await replica(documents);
    const b = await replica(documents);
    await a.call(Subjects.riskSetLimits, { account: "acc", limits: { maxOrderNotional: "500000" } });
    await b.call(Subjects.riskSetLimits, { account: "other", limits: { maxOrderNotional: "900000" } });

    const overrides = (await stored(documents)).limits.overrides;
    expect(overrides).toContainEqual({ account: "acc", symbol: "", limits: { maxOrderNotional: "500000" } });
    expect(overrides).toContainEqual({ account: "other", symbol: "", limits: { maxOrderNotional: "900000" } });
    // 10 x 70,000 = 700,000: above acc's 500,000 on B too.
    expect(await b.check("b1", "10")).toMatchObject({ approved: false, rule: "MAX_ORDER_NOTIONAL" });
  });

  it("keeps an account HALT stored by one replica when a stale replica then resumes another scope", async () => {
    const documents = new MemoryDocumentStore();
    const a = await replica(documents);
    const b = await replica(documents);
    await b.call(Subjects.riskSetState, { state: "REDUCING", reason: "desk", account: "other" });
    await a.call(Subjects.riskSetState, { state: "HALTED", reason: "desk", account: "acc" });
    await b.call(Subjects.riskSetState, { state: "ACTIVE", reason: "desk", account: "other" });
    const states = (await stored(documents)).states.accounts;
    expect(states.find((s) => s.account === "acc")?.state).toBe("HALTED");
    expect(states.find((s) => s.account === "other")?.state).toBe("ACTIVE");
  });

  it("picks up a HALT stored by another replica without any announcement (periodic re-read)", async () => {
    const documents = new MemoryDocumentStore();
    const a = await replica(documents);
    const b = await replica(documents, { settingsPollMs: 20 });
    expect((await b.check("b1")).approved).toBe(true);
    await a.call(Subjects.riskSetState, { state: "HALTED", reason: "desk kill switch" });
    await eventually(() => expect(b.service.engine.status().state).toBe("HALTED"));
    expect((await b.check("b2")).approved).toBe(false);
  });

  it("keeps a HALT the store did not take through another replica's reload, and stores it once the store is back", async () => {
    const documents = new MemoryDocumentStore();
    const bus = new MemoryEventBus();
    const a = await replica(documents, {}, bus);
    const b = flaky(documents);
    const risk = await replica(b.view, { settingsPollMs: 20 }, bus);
    b.state.down = true;
    await risk.call(Subjects.riskSetState, { state: "HALTED", reason: "desk kill switch" });
    expect(risk.service.engine.status().state).toBe("HALTED");
    expect(await risk.ready()).toBe(503); // other replicas do not have the HALT

    // A changes a limit; its announcement makes B re-read a copy without the HALT.
    await a.call(Subjects.riskSetLimits, { account: "acc", limits: { maxOrderNotional: "500000" } });
    await eventually(() =>
      expect(risk.service.engine.limits.view("acc").limits).toEqual({ maxOrderNotional: "500000" }),
    );
    expect(risk.service.engine.status().state).toBe("HALTED");
    expect((await risk.check("b1")).approved).toBe(false);

    b.state.down = false;
    await eventually(async () => expect((await stored(documents)).states.platform.state).toBe("HALTED"));
    await eventually(async () => expect(await risk.ready()).toBe(200));
    expect((await stored(documents)).limits.overrides).toContainEqual({
      account: "acc",
      symbol: "",
      limits: { maxOrderNotional: "500000" },
    });
  });

  it("drops a resume decided on a stale copy when another replica halted the scope meanwhile", async () => {
    const documents = new MemoryDocumentStore();
    const a = await replica(documents);
    const b = await replica(documents);
    await b.call(Subjects.riskSetState, { state: "REDUCING", reason: "desk", account: "acc" });
    await a.call(Subjects.riskSetState, { state: "HALTED", reason: "venue outcome unknown", account: "acc" });
    // B still holds acc REDUCING and resumes it.
    await b.call(Subjects.riskSetState, { state: "ACTIVE", reason: "desk", account: "acc" });
    const states = (await stored(documents)).states.accounts;
    expect(states.find((s) => s.account === "acc")?.state).toBe("HALTED");
    expect(b.service.engine.stateOf("acc")).toBe("HALTED");
  });

  it("holds every account a tick tripped while another replica's copy is taken over mid-save", async () => {
    const documents = new MemoryDocumentStore();
    const a = await replica(documents);
    // A has stored both accounts ACTIVE (an earlier HALT resumed): its copy names them.
    for (const account of ["acc", "other"]) {
      await a.call(Subjects.riskSetState, { state: "HALTED", reason: "desk", account });
      await a.call(Subjects.riskSetState, { state: "ACTIVE", reason: "desk", account });
    }
    const position = (account: string): Position => ({
      account,
      symbol: "005930",
      venue: "sim",
      quantity: "10",
      averagePrice: "70000",
      realizedPnl: "0",
      unrealizedPnl: "0",
      lastPrice: "70000",
      currency: "KRW",
      updatedAt: "1",
    });
    const runtime = memoryRuntime(quiet);
    await servePortfolio(runtime, [marginAccount("acc"), marginAccount("other")], () => [
      position("acc"),
      position("other"),
    ]);
    // B's first write after the tick finds that A wrote in between (a version conflict).
    let interfere = false;
    const view: DocumentStore = {
      ...documents,
      create: (c, n, b) => documents.create(c, n, b),
      get: (c, i) => documents.get(c, i),
      findByName: (c, n) => documents.findByName(c, n),
      list: (c) => documents.list(c),
      delete: (c, i, v) => documents.delete(c, i, v),
      close: async () => {},
      update: async (c, i, v, b) => {
        if (interfere) {
          interfere = false;
          await a.call(Subjects.riskSetLimits, { account: "acc", limits: { maxOrderNotional: "500000" } });
        }
        return documents.update(c, i, v, b);
      },
    };
    const limitsWithLoss = { ...limits, dailyLossLimit: "50000" };
    const b = createRiskService(runtime, { limits: limitsWithLoss, documents: view, settingsPollMs: 0 });
    await b.start();
    stops.push(() => b.stop());
    b.engine.onPrice("005930", "70000");
    // What B holds when it announces the first trip: both accounts were tripped by the same tick.
    const seen: Array<Record<string, string>> = [];
    await runtime.bus.subscribe(Topics.tradingState, () => {
      seen.push({ acc: b.engine.stateOf("acc"), other: b.engine.stateOf("other") });
    });
    interfere = true;
    const tick: Tick = {
      symbol: "005930",
      venue: "sim",
      price: "60000",
      quantity: "1",
      aggressor: "NONE",
      tradeId: "t-1",
      tsEvent: "1",
    };
    await runtime.bus.publish(Topics.tick("sim", "005930"), envelope("Tick", "test", "005930", tick));
    await eventually(() => expect(seen.length).toBe(2));
    expect(seen).toEqual([
      { acc: "HALTED", other: "HALTED" },
      { acc: "HALTED", other: "HALTED" },
    ]);
    const stored = await documents.findByName<StoredSettings>(SETTINGS_COLLECTION, "settings");
    expect(
      stored?.body.states.accounts
        .filter((s) => s.state === "HALTED")
        .map((s) => s.account)
        .sort(),
    ).toEqual(["acc", "other"]);
  });
});
