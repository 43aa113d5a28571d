import { afterEach, describe, expect, it } from "bun:test";
import {
  type DocumentStore,
  type Envelope,
  type Position,
  type RiskDecision,
  Subjects,
  type Tick,
  Topics,
  type TradingStateChange,
} from "@jts/contracts";
import { envelope, MemoryDocumentStore, memoryRuntime, rpcClient } from "@jts/kit";
import { eventually, fillFixture, orderFixture, silentLogger } from "@jts/kit/testing";
import { createRiskService } from "./service.ts";
import { SETTINGS_COLLECTION } from "./settings.ts";
import { marginAccount, servePortfolio } from "./testing.ts";

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

/** Wednesday 2026-11-25 10:00 KST. */
const kst = (day: number, h: number, m = 0) => Date.UTC(2026, 10, day, h - 9, m);

/** What the portfolio holds: positions with their lifetime realized P&L, changed by the fills it books. */
class Portfolio {
  readonly positions = new Map<string, Position>();
  private last = "70000";

  /** The portfolio follows the ticks too: its positions carry the last price. */
  mark(price: string): void {
    this.last = price;
    for (const p of this.positions.values()) p.lastPrice = price;
  }

  hold(account: string, quantity: string, realizedPnl: string, averagePrice = "70000"): void {
    this.positions.set(account, {
      account,
      symbol: "005930",
      venue: "sim",
      quantity,
      averagePrice,
      realizedPnl,
      unrealizedPnl: "0",
      lastPrice: this.last,
      currency: "KRW",
      updatedAt: "1",
    });
  }
}

/** A risk service over a fresh runtime (a restart), keeping only the document store and the portfolio. */
async function start(
  documents: DocumentStore,
  portfolio: Portfolio,
  now: () => number,
  limits: Record<string, string>,
) {
  const runtime = memoryRuntime(silentLogger);
  await servePortfolio(
    runtime,
    [...portfolio.positions.keys()].map((id) => marginAccount(id)),
    () => [...portfolio.positions.values()],
  );
  const service = createRiskService(runtime, {
    documents,
    now,
    limits: { maxOrderNotional: "100000000", maxPositionNotional: "100000000", ...limits },
    baselineSaveMs: 5,
  });
  const states: TradingStateChange[] = [];
  await runtime.bus.subscribe(Topics.tradingState, (e: Envelope) => void states.push(e.payload as TradingStateChange));
  await service.start();
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await service.stop();
  };
  stops.push(stop);
  let seq = 0;
  const tick = (price: string) =>
    runtime.bus.publish(
      Topics.tick("sim", "005930"),
      envelope("Tick", "test", "005930", {
        symbol: "005930",
        venue: "sim",
        price,
        quantity: "1",
        aggressor: "NONE",
        tradeId: `t-${++seq}`,
        tsEvent: "1",
      } satisfies Tick),
    );
  const fill = (account: string, side: "BUY" | "SELL", quantity: string, price: string) =>
    runtime.bus.publish(
      Topics.fill,
      envelope(
        "Fill",
        "test",
        account,
        fillFixture({
          id: `f-${account}-${++seq}`,
          orderId: `o-${seq}`,
          clientOrderId: `c-${seq}`,
          account,
          side,
          price,
          quantity,
        }),
      ),
    );
  const status = (account: string) => service.engine.accountStatus(account);
  const check = (account: string) =>
    rpcClient(runtime.rpc).call(Subjects.riskCheck, {
      order: orderFixture({ account, id: `chk-${++seq}`, clientOrderId: `chk-${seq}`, quantity: "1" }),
    }) as Promise<RiskDecision>;
  return { service, states, tick, fill, status, check, stop };
}

describe("daily loss and drawdown across a restart (issue 13.5)", () => {
  it("neither halts an account for an old loss nor lets an old gain hide today's loss, across a restart mid-day", async () => {
    const documents = new MemoryDocumentStore();
    const portfolio = new Portfolio();
    portfolio.hold("old-loss", "10", "-900000"); // lost 900,000 in earlier days
    portfolio.hold("old-gain", "10", "2000000"); // made 2,000,000 in earlier days
    let now = kst(25, 10);
    const first = await start(documents, portfolio, () => now, { dailyLossLimit: "50000" });
    await first.tick("70000");
    expect(first.states).toEqual([]); // today's main halts old-loss here, and cancels its orders
    expect((await first.check("old-loss")).approved).toBe(true);
    await first.tick("66000"); // -40,000 today for both
    portfolio.mark("66000");
    // Trade: old-gain sells 5 at 66,000 (-20,000 realized today), the portfolio books it too.
    await first.fill("old-gain", "SELL", "5", "66000");
    portfolio.hold("old-gain", "5", "1980000");
    await eventually(() =>
      expect(first.status("old-gain")).toMatchObject({ dailyPnl: "-40000", dailyRealizedPnl: "-20000" }),
    );
    now = kst(25, 11);
    await first.stop();

    const second = await start(documents, portfolio, () => now, { dailyLossLimit: "50000" });
    // A restart mid-day changes nothing: today's -40,000 is still today's (today's main reports +1,960,000).
    expect(second.status("old-gain")).toMatchObject({
      dailyPnl: "-40000",
      dailyRealizedPnl: "-20000",
      state: "ACTIVE",
    });
    expect(second.status("old-loss")).toMatchObject({ dailyPnl: "-40000", state: "ACTIVE" });
    await second.tick("63900"); // old-gain: -20,000 realized, 5 x -6,100 = -30,500: -50,500 today
    await eventually(() =>
      expect(second.states.map((s) => [s.account, s.state])).toContainEqual(["old-gain", "HALTED"]),
    );
    expect(second.states.find((s) => s.account === "old-gain")?.reason).toContain("daily loss 50500");
    // old-loss: 10 x -6,100 = -61,000 today: halted for today's loss, not for the old one.
    expect(second.states.find((s) => s.account === "old-loss")?.reason).toContain("daily loss 61000");
  });

  it("keeps the drawdown peak across a restart, and does not trip twice for the same breach", async () => {
    const documents = new MemoryDocumentStore();
    const portfolio = new Portfolio();
    portfolio.hold("acc", "10", "0");
    const now = () => kst(25, 10);
    const first = await start(documents, portfolio, now, { maxDrawdown: "30000" });
    await first.tick("70000");
    await first.tick("75000"); // peak +50,000
    await first.tick("73000");
    portfolio.mark("73000");
    await first.stop();

    const second = await start(documents, portfolio, now, { maxDrawdown: "30000" });
    expect(second.status("acc")).toMatchObject({ drawdown: "20000" }); // today's main: 0, the peak restarted
    await second.tick("72000"); // 30,000 below the stored peak
    await eventually(() => expect(second.states).toMatchObject([{ account: "acc", state: "REDUCING" }]));
    await second.stop();

    const third = await start(documents, portfolio, now, { maxDrawdown: "30000" });
    await third.tick("71900");
    expect(third.states).toEqual([]); // the breach was already acted on (and the state itself is restored)
    expect(third.service.engine.stateOf("acc")).toBe("REDUCING");
  });

  it("rolls the baseline over at the account's day boundary, also across a restart", async () => {
    const documents = new MemoryDocumentStore();
    const portfolio = new Portfolio();
    portfolio.hold("acc", "10", "0");
    let now = kst(25, 15);
    const first = await start(documents, portfolio, () => now, { dailyLossLimit: "50000" });
    await first.tick("66000"); // -40,000 on the 25th
    portfolio.mark("66000");
    await first.stop();
    now = kst(26, 9); // risk was down over midnight KST
    const second = await start(documents, portfolio, () => now, { dailyLossLimit: "50000" });
    expect(second.status("acc")).toMatchObject({ dailyPnl: "0", tradingDay: "2026-11-26" });
    await second.tick("62000"); // -40,000 on the 26th: under the limit, the 25th's loss is not added
    expect(second.states).toEqual([]);
    expect(second.status("acc").dailyPnl).toBe("-40000");
  });

  it("starts the platform HALTED, saying why, when the stored baselines are damaged", async () => {
    const documents = new MemoryDocumentStore();
    await documents.create(SETTINGS_COLLECTION, "day-baselines", { accounts: [{ account: "acc", day: "yesterday" }] });
    const r = await start(documents, new Portfolio(), () => kst(25, 10), {});
    expect(r.service.engine.status()).toMatchObject({ state: "HALTED" });
    expect(r.service.engine.status().reason).toContain("stored daily P&L baselines are unreadable");
  });
});
