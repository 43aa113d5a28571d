import { describe, expect, it } from "bun:test";
import { type Fill, fx } from "@jts/contracts";
import { ALWAYS_OPEN, krxSchedule } from "@jts/kit";
import { fillFixture, silentLogger } from "@jts/kit/testing";
import { StrategyRunner } from "@jts/strategy-engine";
import { type BacktestResult, barsPerYear, type EquityPoint } from "./backtest.ts";
import { computeMetrics, maxDrawdown, riskRatios } from "./metrics.ts";
import { backtestStrategy } from "./testing.ts";
import { roundTrips } from "./trips.ts";

const points = (values: number[], positions: number[] = []): EquityPoint[] =>
  values.map((v, i) => ({
    ts: BigInt(i + 1) * 60_000_000_000n,
    equity: fx.toFixed(String(v)),
    position: fx.toFixed(String(positions[i] ?? 0)),
  }));

let seq = 0;
const fill = (side: "BUY" | "SELL", quantity: string, price: string, fee: string): Fill =>
  fillFixture({
    id: `f${++seq}`,
    orderId: `o${seq}`,
    clientOrderId: `c${seq}`,
    account: "backtest",
    symbol: "BTC-KRW",
    side,
    price,
    quantity,
    fee,
    strategyId: "bt",
    tsEvent: String(seq * 1000),
  });

const config = backtestStrategy({ params: { fastPeriod: 2, slowPeriod: 3, quantity: "1" } });

/** A result from fills and equity alone, with a real runner's book fed the same fills. */
async function resultOf(fills: Fill[], equity: EquityPoint[], extra: Partial<BacktestResult> = {}) {
  const runner = new StrategyRunner(config, {
    router: { submit: async () => {}, cancel: async () => {} },
    logger: silentLogger,
    cooldownNs: 0n,
  });
  for (const f of fills) await runner.fill(f);
  return {
    strategy: config,
    events: equity.length,
    orders: [],
    fills,
    equity,
    startingCash: fx.toFixed("1000"),
    cash: fx.toFixed("1000"),
    runner,
    firstPrice: "100",
    lastPrice: "100",
    periodsPerYear: 4,
    riskEvents: [],
    data: [],
    ...extra,
  } as unknown as BacktestResult;
}

describe("max drawdown", () => {
  it("is the largest (peak - trough) / peak: 100 -> 50 -> 1000 -> 900 is 50%, not the 10% of the largest fall", () => {
    const d = maxDrawdown(fx.toFixed("100"), points([50, 1000, 900]));
    expect(d.pct).toBe(0.5);
    expect(d.amount).toBe(fx.toFixed("100")); // the largest fall in money is the later 1000 -> 900
  });

  it("starts from the starting equity and is zero on a curve that only rises", () => {
    expect(maxDrawdown(fx.toFixed("100"), points([90, 120, 130])).pct).toBe(0.1);
    expect(maxDrawdown(fx.toFixed("100"), points([110, 120, 130]))).toEqual({ amount: 0n, pct: 0 });
  });
});

describe("round trips and win rate", () => {
  it("counts a trip once however many fills closed it, and a win only when it made money after fees", async () => {
    const fills = [
      // A loss closed in three partial fills: one losing trip. (-300 + 3 x 99) - fees 2.5 = -5.5
      fill("BUY", "3", "100", "1"),
      fill("SELL", "1", "99", "0.5"),
      fill("SELL", "1", "99", "0.5"),
      fill("SELL", "1", "99", "0.5"),
      // Gross +0.1, fees 0.4: a net loss, never a win.
      fill("BUY", "1", "100", "0.2"),
      fill("SELL", "1", "100.1", "0.2"),
      // A real win: +10 - 1 = +9.
      fill("BUY", "1", "100", "0.5"),
      fill("SELL", "1", "110", "0.5"),
    ];
    const trips = roundTrips(fills, null);
    expect(trips.map((t) => [t.side, t.quantity, t.entryPrice, t.exitPrice, t.fees, t.pnl, t.fills, t.open])).toEqual([
      ["LONG", "3", "100", "99", "2.5", "-5.5", 4, false],
      ["LONG", "1", "100", "100.1", "0.4", "-0.3", 2, false],
      ["LONG", "1", "100", "110", "1", "9", 2, false],
    ]);
    const m = computeMetrics(await resultOf(fills, points([1000])));
    expect(m.roundTrips).toBe(3);
    expect(m.winRate).toBe(0.3333);
    // (-5.5 - 0.3 + 9) / 3
    expect(m.averageTripPnl).toBe("1.066666666");
  });

  it("splits a fill that flips the position, its fee by quantity, and marks the open trip at the last price", () => {
    const fills = [fill("BUY", "2", "100", "2"), fill("SELL", "3", "110", "3")];
    const trips = roundTrips(fills, fx.toFixed("105"));
    // Long 2: +20 - (2 + 2 of the 3) = 16. Short 1 from 110, marked at 105: +5 - 1 = 4.
    expect(trips.map((t) => [t.side, t.quantity, t.fees, t.pnl, t.open, t.exitTs === null])).toEqual([
      ["LONG", "2", "4", "16", false, false],
      ["SHORT", "1", "1", "4", true, true],
    ]);
  });
});

describe("risk ratios, exposure and buy and hold", () => {
  it("match hand-computed values", async () => {
    // Returns +10%, -10%, +10%; 4 periods a year.
    // mean 0.033333, sample stddev sqrt(0.026667 / 2) = 0.115470 -> Sharpe 0.033333 / 0.115470 x 2 = 0.57735
    // downside sqrt(0.01 / 3) = 0.057735 -> Sortino 0.033333 / 0.057735 x 2 = 1.154701
    // growth 1.089 over 3 periods: CAGR 1.089^(4/3) - 1 = 0.120393; drawdown 110 -> 99 = 10% -> Calmar 1.20393
    const r = riskRatios(fx.toFixed("100"), points([110, 99, 108.9]), 4, 0.1);
    expect(r.sharpe).toBeCloseTo(0.57735, 5);
    expect(r.sortino).toBeCloseTo(1.154701, 5);
    expect(r.cagr).toBeCloseTo(0.120393, 5);
    expect(r.calmar).toBeCloseTo(1.20393, 4);
    expect(r.how).toBe("4 bars per year");

    const m = computeMetrics(
      await resultOf([], points([1100, 990, 1089, 1089], [0, 1, 1, 0]), {
        firstPrice: "100",
        lastPrice: "120",
        periodsPerYear: 4,
      }),
    );
    expect(m.exposurePct).toBe(50);
    expect(m.buyAndHoldPct).toBe(20);
    expect(m.maxDrawdownPct).toBe(10);
    expect(m.sharpe).not.toBeNull();
  });

  it("says n/a (null) where a ratio has nothing to divide by", () => {
    const flat = riskRatios(fx.toFixed("100"), points([100, 100, 100]), 252, 0);
    expect([flat.sharpe, flat.sortino, flat.calmar]).toEqual([null, null, null]);
  });

  it("annualizes by bars a year from the interval and the market's hours", () => {
    expect(barsPerYear("1m", ALWAYS_OPEN)).toBe(525_600);
    expect(barsPerYear("1h", ALWAYS_OPEN)).toBe(8760);
    expect(barsPerYear("1d", ALWAYS_OPEN)).toBe(365);
    expect(barsPerYear("1d", krxSchedule())).toBe(252);
    expect(barsPerYear("1m", krxSchedule())).toBe(252 * 390); // 09:00-15:30
    expect(barsPerYear("5m", krxSchedule())).toBe(252 * 78);
    expect(barsPerYear("1h", krxSchedule())).toBe(252 * 7); // 09:00, 10:00, ... 15:00 (to 15:30)
  });
});
