import { describe, expect, it } from "bun:test";
import { EventTypes, type Fill, Topics } from "@jts/contracts";
import { envelope, MemoryDocumentStore, memoryRuntime, serviceAuthHeaders } from "@jts/kit";
import { eventually, fillFixture, silentLogger } from "@jts/kit/testing";
import { defaultStrategies } from "./defaults.ts";
import { createStrategyService } from "./service.ts";

const runtime = () => memoryRuntime(silentLogger);

describe("strategy service", () => {
  it("seeds the default definitions once and keeps the on/off switch across a restart", async () => {
    const documents = new MemoryDocumentStore();
    const first = createStrategyService(runtime(), { strategies: defaultStrategies("acc"), documents });
    await first.start();
    expect(first.engine.list().map((s) => s.config.id)).toEqual(["ma-005930", "ma-BTC-KRW", "ma-ETH-KRW"]);
    const res = await first.app.handle(
      new Request("http://localhost/strategies/ma-BTC-KRW/stop", { method: "POST", headers: serviceAuthHeaders() }),
    );
    expect(res.status).toBe(200);
    await first.stop();

    const second = createStrategyService(runtime(), { strategies: defaultStrategies("acc"), documents });
    await second.start();
    const running = Object.fromEntries(second.engine.list().map((s) => [s.config.id, s.running]));
    expect(running).toEqual({ "ma-005930": true, "ma-BTC-KRW": false, "ma-ETH-KRW": true });
    expect((await documents.list("strategies")).map((d) => d.version)).toEqual([1, 2, 1]);
    await second.stop();
  });

  it("answers 404 in the error shape for an unknown strategy", async () => {
    const service = createStrategyService(runtime(), { strategies: [] });
    await service.start();
    const res = await service.app.handle(
      new Request("http://localhost/strategies/nope/start", { method: "POST", headers: serviceAuthHeaders() }),
    );
    expect(res.status).toBe(404);
    await service.stop();
  });
});

describe("strategy service leadership", () => {
  it("lets only the instance holding the strategy lock act, and hands over when it stops", async () => {
    const shared = memoryRuntime(silentLogger);
    const documents = new MemoryDocumentStore();
    const a = createStrategyService(shared, { strategies: defaultStrategies("acc"), documents });
    const b = createStrategyService({ ...shared }, { strategies: defaultStrategies("acc"), documents });
    await a.start();
    await b.start();
    const active = async () => (await shared.lock.acquire("strategy-engine", "probe", 1)).holder;
    const holder = await active();
    expect(holder).not.toBe("probe");
    await a.stop();
    // b's standby loop takes over within its retry period.
    await Bun.sleep(4000);
    const next = await active();
    expect(next).not.toBeNull();
    expect([holder, "probe"]).not.toContain(next);
    await b.stop();
  }, 10_000);
});

describe("strategy fills", () => {
  const fill = (account: string, id: string): Fill =>
    fillFixture({
      id,
      orderId: `o-${id}`,
      clientOrderId: `c-${id}`,
      account,
      symbol: "BTC-KRW",
      price: "100",
      quantity: "1",
      strategyId: "ma-BTC-KRW",
    });

  it("takes only fills of the strategy's own account, whatever their strategyId says", async () => {
    const rt = runtime();
    const service = createStrategyService(rt, { strategies: defaultStrategies("acc-admin") });
    await service.start();
    const position = () => service.engine.list().find((s) => s.config.id === "ma-BTC-KRW")?.pnl;
    // Another account's fill carrying this strategy's id (a client-chosen tag) must not move it.
    await rt.bus.publish(Topics.fill, envelope(EventTypes.fill, "test", "f1", fill("acc-trader", "f1")));
    await Bun.sleep(20);
    expect(position()).toMatchObject({ position: "0", fills: 0 });
    await rt.bus.publish(Topics.fill, envelope(EventTypes.fill, "test", "f2", fill("acc-admin", "f2")));
    await eventually(() => expect(position()).toMatchObject({ position: "1", fills: 1 }));
    await service.stop();
  });

  it("a fill redelivered after a restart (applied and saved, offset not yet committed) does not count twice", async () => {
    const documents = new MemoryDocumentStore();
    const before = runtime();
    const crashed = createStrategyService(before, { strategies: defaultStrategies("acc-admin"), documents });
    await crashed.start();
    const pnlOf = (service: typeof crashed) => service.engine.list().find((s) => s.config.id === "ma-BTC-KRW")?.pnl;
    const redelivered = envelope(EventTypes.fill, "test", "f1", fill("acc-admin", "f1"));
    await before.bus.publish(Topics.fill, redelivered);
    await eventually(() => expect(pnlOf(crashed)).toMatchObject({ position: "1", fills: 1 }));
    // No stop(): a crash. The state saved after the fill is all that survives, and the bus delivers the fill again.
    const restarted = createStrategyService(runtime(), { strategies: defaultStrategies("acc-admin"), documents });
    await restarted.start();
    expect(pnlOf(restarted)).toMatchObject({ position: "1", fills: 1 });
    await restarted.engine.onFill(redelivered.payload);
    expect(pnlOf(restarted)).toMatchObject({ position: "1", fills: 1 });
    // A new fill still counts.
    await restarted.engine.onFill(fill("acc-admin", "f2"));
    expect(pnlOf(restarted)).toMatchObject({ position: "2", fills: 2 });
    await restarted.stop();
  });
});
