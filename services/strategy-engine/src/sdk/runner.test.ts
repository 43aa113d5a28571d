import { describe, expect, it } from "bun:test";
import type { Candle, Fill, OrderRequest, StrategyConfig, StrategyParams, Tick } from "@jts/contracts";
import { fillFixture, silentLogger } from "@jts/kit/testing";
import { paramProblems } from "./kinds.ts";
import { type RunnerDeps, StrategyRunner } from "./runner.ts";
import type { Strategy, StrategyContext, StrategyKindDefinition } from "./strategy.ts";

const SECOND = 1_000_000_000n;

const tick = (price: string, seconds: number): Tick => ({
  symbol: "BTC-KRW",
  venue: "sim",
  price,
  quantity: "1",
  aggressor: "BUY",
  tradeId: `t${seconds}`,
  tsEvent: String(BigInt(seconds) * SECOND),
});

const candle = (close: string, minute: number): Candle => ({
  symbol: "BTC-KRW",
  venue: "sim",
  interval: "1m",
  tsOpen: String(BigInt(minute) * 60n * SECOND),
  open: close,
  high: close,
  low: close,
  close,
  volume: "1",
  trades: 1,
  closed: true,
});

const fillFor = (request: OrderRequest, price: string): Fill =>
  fillFixture({
    id: `f-${request.clientOrderId}`,
    orderId: `o-${request.clientOrderId}`,
    clientOrderId: request.clientOrderId,
    symbol: "BTC-KRW",
    side: request.side,
    price,
    quantity: request.quantity,
    fee: "10",
    strategyId: request.strategyId ?? null,
  });

/** A strategy that records every hook it sees and buys 1 on every tick. */
function recordingKind(calls: string[]): StrategyKindDefinition<StrategyParams> {
  const strategy: Strategy = {
    onStart: () => void calls.push("start"),
    onCandle: (c, ctx) => void calls.push(`candle ${c.close} warming=${ctx.warmingUp}`),
    onTick: async (t, ctx: StrategyContext) => {
      calls.push(`tick ${t.price} now=${ctx.now() / SECOND}s position=${ctx.position()}`);
      const sent = await ctx.submit({ side: "BUY", quantity: "1", reason: "test" });
      calls.push(`submit -> ${sent === null ? "held" : "sent"}`);
    },
    onFill: (f) => void calls.push(`fill ${f.side} ${f.quantity}`),
    onStop: () => void calls.push("stop"),
  };
  return {
    kind: "ma-crossover",
    description: "test",
    params: {} as never,
    warmupBars: () => 2,
    create: () => strategy,
  };
}

const config: StrategyConfig = {
  id: "s1",
  kind: "ma-crossover",
  account: "acc",
  symbol: "BTC-KRW",
  venue: "sim",
  params: {},
  enabled: true,
};

function runnerWith(calls: string[], overrides: Partial<RunnerDeps> = {}) {
  const sent: OrderRequest[] = [];
  const runner = new StrategyRunner(config, {
    router: { submit: async (r) => void sent.push(r), cancel: async () => {} },
    logger: silentLogger,
    cooldownNs: 10n * SECOND,
    definition: recordingKind(calls),
    ...overrides,
  });
  return { runner, sent };
}

describe("strategy runner", () => {
  it("calls the lifecycle hooks in order with a market-time clock, and warms up without sending orders", async () => {
    const calls: string[] = [];
    const { runner, sent } = runnerWith(calls);
    await runner.warmUp([candle("100", 0), candle("101", 1)]);
    await runner.start();
    await runner.tick(tick("102", 200));
    await runner.fill(fillFor(sent[0] as OrderRequest, "102"));
    await runner.stop();
    expect(calls).toEqual([
      "candle 100 warming=true",
      "candle 101 warming=true",
      "start",
      "tick 102 now=200s position=0",
      "submit -> sent",
      "fill BUY 1",
      "stop",
    ]);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ side: "BUY", type: "MARKET", quantity: "1", strategyId: "s1", account: "acc" });
    expect(runner.status().pnl).toMatchObject({ position: "1", averagePrice: "102", fees: "10", fills: 1 });
  });

  it("keeps one order in flight and waits the cooldown in market time before the next", async () => {
    const calls: string[] = [];
    const { runner, sent } = runnerWith(calls);
    await runner.tick(tick("100", 0));
    await runner.tick(tick("100", 1)); // first still in flight
    runner.orderUpdated((sent[0] as OrderRequest).clientOrderId, "FILLED");
    await runner.tick(tick("100", 5)); // inside the 10 s cooldown
    await runner.tick(tick("100", 10));
    expect(calls.filter((c) => c.startsWith("submit"))).toEqual([
      "submit -> sent",
      "submit -> held",
      "submit -> held",
      "submit -> sent",
    ]);
    expect(sent.map((r) => r.clientOrderId)).toEqual(["s1-0-1", `s1-${(10n * SECOND).toString(36)}-2`]);
    expect(runner.status().signals).toBe(4);
  });

  it("live (detachOrders): the next tick is handled while an order is still on its way, and a failed submit frees the slot", async () => {
    const calls: string[] = [];
    const pending: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
    const { runner } = runnerWith(calls, {
      detachOrders: true,
      router: {
        submit: () => new Promise<void>((resolve, reject) => pending.push({ resolve, reject })),
        cancel: async () => {},
      },
      cooldownNs: 0n,
    });
    await runner.tick(tick("100", 0)); // resolves although the OMS has not answered
    await runner.tick(tick("100", 1)); // one in flight: held
    expect(calls.filter((c) => c.startsWith("submit"))).toEqual(["submit -> sent", "submit -> held"]);
    pending[0]?.reject(new Error("OMS unreachable"));
    await Bun.sleep(0);
    await runner.tick(tick("100", 2)); // the failure freed the slot
    expect(calls.filter((c) => c.startsWith("submit"))).toEqual(["submit -> sent", "submit -> held", "submit -> sent"]);
    expect(pending).toHaveLength(2);
  });

  it("sends nothing while stopped or while another instance is active", async () => {
    const calls: string[] = [];
    let active = false;
    const { runner, sent } = runnerWith(calls, { canAct: () => active });
    await runner.tick(tick("100", 0));
    active = true;
    runner.running = false;
    await runner.tick(tick("100", 100));
    expect(sent).toHaveLength(0);
    runner.running = true;
    await runner.tick(tick("100", 200));
    expect(sent).toHaveLength(1);
  });

  it("restores its book, sequence and strategy state from a snapshot", async () => {
    const calls: string[] = [];
    const first = runnerWith(calls);
    await first.runner.tick(tick("100", 0));
    await first.runner.fill(fillFor(first.sent[0] as OrderRequest, "100"));
    const saved = JSON.parse(JSON.stringify(first.runner.snapshot()));
    const second = runnerWith(calls);
    second.runner.restore(saved);
    await second.runner.tick(tick("110", 100));
    expect(second.runner.status().pnl).toMatchObject({ position: "1", unrealizedPnl: "10", netPnl: "0" });
    expect((second.sent[0] as OrderRequest).clientOrderId.endsWith("-2")).toBe(true);
  });

  it("remembers its last 1000 fill ids, oldest forgotten first, across a restore", async () => {
    const calls: string[] = [];
    const first = runnerWith(calls);
    const fillNo = (n: number) =>
      fillFixture({ id: `f${n}`, symbol: "BTC-KRW", side: "BUY", quantity: "1", price: "100" });
    for (let n = 1; n <= 1001; n++) await first.runner.fill(fillNo(n));
    const saved = first.runner.snapshot();
    expect(saved.fillIds).toHaveLength(1000);
    expect(saved.fillIds?.[0]).toBe("f2");
    const second = runnerWith(calls);
    second.runner.restore(JSON.parse(JSON.stringify(saved)));
    await second.runner.fill(fillNo(1001)); // remembered: not counted again
    expect(second.runner.status().pnl.position).toBe("1001");
    await second.runner.fill(fillNo(1002)); // new: counted, and f2 is now the one forgotten
    expect(second.runner.status().pnl.position).toBe("1002");
    expect(second.runner.snapshot().fillIds?.slice(0, 2)).toEqual(["f3", "f4"]);
    await second.runner.fill(fillNo(2)); // forgotten, so counted: the bound's documented cost
    expect(second.runner.status().pnl.position).toBe("1003");
  });
});

describe("strategy parameters", () => {
  it("accepts each built-in's valid parameters", () => {
    expect(paramProblems("ma-crossover", { fastPeriod: 5, slowPeriod: 20, quantity: "0.1" })).toEqual([]);
    expect(paramProblems("bollinger", { period: 20, width: 2, quantity: "1" })).toEqual([]);
    expect(paramProblems("donchian", { entryPeriod: 20, exitPeriod: 10, quantity: "1" })).toEqual([]);
  });

  it("names every reason parameters are refused", () => {
    expect(paramProblems("ma-crossover", { fastPeriod: 20, slowPeriod: 5, quantity: "0.1" })).toEqual([
      "fastPeriod must be below slowPeriod",
    ]);
    const problems = paramProblems("bollinger", { period: 1, width: 0, quantity: "lots" });
    expect(problems.join("\n")).toContain("period");
    expect(problems.join("\n")).toContain("width");
    expect(problems.join("\n")).toContain("quantity");
    expect(paramProblems("donchian", { entryPeriod: 20, quantity: "1" }).join()).toContain("exitPeriod");
    expect(paramProblems("donchian", { entryPeriod: 20, exitPeriod: 10, quantity: "1", extra: 1 }).length).toBe(1);
  });
});
