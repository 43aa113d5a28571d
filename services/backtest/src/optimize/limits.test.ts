import { describe, expect, it } from "bun:test";
import {
  type Candle,
  type CandleQuery,
  OPTIMIZATION_MAX_BAR_STEPS,
  OPTIMIZATION_MAX_RUNS,
  OPTIMIZATION_MAX_WINDOWS,
  OPTIMIZATION_MIN_IN_SAMPLE,
  type SegmentMetrics,
} from "@jts/contracts";
import { loadCandles } from "../clickhouse.ts";
import { API_HISTORY_MAX_BARS } from "../job.ts";
import { parseOptions } from "../options.ts";
import { requestSetup } from "./job.ts";
import { loadRun, type OptimizationPlan, planOptimization, summarize, type Task, type TaskResult } from "./plan.ts";
import { walkForwardWindows } from "./walk-forward.ts";

const setup = { argv: ["--params", '{"quantity":"0.1"}'], readFiles: false };

describe("an optimization's windows", () => {
  it(`refuses more than ${OPTIMIZATION_MAX_WINDOWS} walk-forward windows before building them`, () => {
    expect(() => walkForwardWindows(10_000_000, { inSample: 100, outOfSample: 10, step: 1 })).toThrow(
      `9999891 windows, more than ${OPTIMIZATION_MAX_WINDOWS}: a larger step`,
    );
    const fit = 100 + 10 + (OPTIMIZATION_MAX_WINDOWS - 1) * 5;
    expect(walkForwardWindows(fit, { inSample: 100, outOfSample: 10, step: 5 })).toHaveLength(OPTIMIZATION_MAX_WINDOWS);
    expect(() => walkForwardWindows(fit + 5, { inSample: 100, outOfSample: 10, step: 5 })).toThrow("more than");
  });

  it(`refuses an in-sample part shorter than ${OPTIMIZATION_MIN_IN_SAMPLE} bars or the strategy's warm-up`, async () => {
    const search = (inSample: number, slowPeriods: number[]) =>
      planOptimization(setup, {
        ranges: { fastPeriod: { values: [2] }, slowPeriod: { values: slowPeriods } },
        method: "grid",
        objective: "sharpe",
        walkForward: { inSample, outOfSample: 20 },
      });
    await expect(search(OPTIMIZATION_MIN_IN_SAMPLE - 1, [3])).rejects.toThrow(
      `inSample must be at least ${OPTIMIZATION_MIN_IN_SAMPLE} bars`,
    );
    // ma-crossover warms up on slowPeriod + 1 bars: the longest combination decides.
    await expect(search(60, [30, 60])).rejects.toThrow(
      'inSample 60 is shorter than the strategy\'s warm-up: {"fastPeriod":2,"slowPeriod":60} needs 61 bars',
    );
    expect((await search(61, [30, 60])).windows.length).toBeGreaterThan(1);
  });

  it(`refuses more than ${OPTIMIZATION_MAX_BAR_STEPS} bar-steps (bars replayed over all backtests), with the numbers`, async () => {
    // 81 overlapping windows of 2,800 bars: few enough backtests, too many bars replayed.
    const windows = 81;
    const combinations = Math.floor(OPTIMIZATION_MAX_RUNS / windows);
    expect(combinations * windows * 2800).toBeGreaterThan(OPTIMIZATION_MAX_BAR_STEPS);
    const search = (count: number) =>
      planOptimization(setup, {
        ranges: { fastPeriod: { min: 1, max: count, step: 1 }, slowPeriod: { values: [1000] } },
        method: "grid",
        objective: "sharpe",
        walkForward: { inSample: 2700, outOfSample: 100, step: 1 },
      });
    await expect(search(combinations)).rejects.toThrow(
      `${combinations} combinations x ${windows * 2800} bars over the windows = ${combinations * windows * 2800} bar-steps, more than ${OPTIMIZATION_MAX_BAR_STEPS}`,
    );
    const fits = Math.floor(OPTIMIZATION_MAX_BAR_STEPS / (windows * 2800));
    expect((await search(fits)).tasks).toHaveLength(fits * windows);
  });
});

describe("summarize", () => {
  /** A plan of `windows` walk-forward windows x `combinations`, whose tasks count how often their window is read. */
  function countingPlan(combinations: number, windows: number) {
    let reads = 0;
    const tasks: Task[] = [];
    for (let w = 0; w < windows; w++)
      for (let c = 0; c < combinations; c++) {
        const task = { combination: c, window: w, params: { fastPeriod: c + 1 }, from: w, split: w + 10, to: w + 12 };
        Object.defineProperty(task, "window", {
          enumerable: true,
          get: () => {
            reads++;
            return w;
          },
        });
        tasks.push(task);
      }
    const metrics = (score: number): SegmentMetrics => ({
      netPnl: score,
      returnPct: score,
      maxDrawdownPct: 0,
      sharpe: score,
      sortino: null,
      calmar: null,
      fills: 1,
    });
    const results: TaskResult[] = tasks.map((_, i) => ({
      inSample: metrics((i * 7919) % 101),
      outOfSample: metrics(1),
    }));
    const plan = {
      source: "test",
      symbol: "X",
      bars: windows + 12,
      ranged: ["fastPeriod"],
      combinations: Array.from({ length: combinations }, (_, c) => ({ fastPeriod: c + 1 })),
      skipped: 0,
      skippedReason: null,
      windows: Array.from({ length: windows }, (_, w) => ({ from: w, split: w + 10, to: w + 12 })),
      tasks,
      spec: { ranges: {}, method: "grid", objective: "sharpe", walkForward: { inSample: 10, outOfSample: 2, step: 1 } },
    } as unknown as OptimizationPlan;
    return { plan, results, reads: () => reads };
  }

  it("reads each task a bounded number of times, not once per window (windows x tasks blocked the gateway)", () => {
    const { plan, results, reads } = countingPlan(3, 400);
    const result = summarize(plan, results, { workers: 1, elapsedMs: 0 });
    expect(reads()).toBeLessThanOrEqual(2 * plan.tasks.length);
    // Each window's pick is its best in-sample combination, the first one on a tie.
    for (const [w, window] of result.windows.entries()) {
      const own = plan.tasks.flatMap((t, i) => (t.window === w ? [{ t, r: results[i] as TaskResult }] : []));
      const best = own.reduce((a, b) => ((b.r.inSample.sharpe ?? 0) > (a.r.inSample.sharpe ?? 0) ? b : a));
      expect(window.best).toEqual(best.t.params);
      expect(window.score).toBe(best.r.inSample.sharpe);
    }
  });
});

describe("history loaded for a request", () => {
  const MIN = 60_000_000_000n;
  /** A store of `count` closed 1m candles answering as ClickHouseTickStore does (the newest `limit` up to `to`); counts rows served. */
  function store(count: number) {
    let served = 0;
    const candles: Candle[] = Array.from({ length: count }, (_, i) => ({
      symbol: "BTC-KRW",
      venue: "sim",
      interval: "1m",
      tsOpen: String(BigInt(i) * MIN),
      open: "1",
      high: "1",
      low: "1",
      close: "1",
      volume: "1",
      trades: 1,
      closed: true,
    }));
    return {
      served: () => served,
      async candles(query: CandleQuery): Promise<Candle[]> {
        const upTo = candles.filter((c) => query.to === undefined || BigInt(c.tsOpen) <= BigInt(query.to));
        const page = upTo.slice(Math.max(0, upTo.length - (query.limit ?? 5000)));
        served += page.length;
        return page;
      },
    };
  }

  it("stops reading past the cap and refuses the range, having read at most one bar more", async () => {
    const source = store(100);
    await expect(loadCandles(source, { symbol: "BTC-KRW", interval: "1m" }, 7, 30)).rejects.toThrow(
      "the history range holds more than 30 bars of BTC-KRW 1m",
    );
    expect(source.served()).toBeLessThanOrEqual(31);
    const all = store(30);
    expect(await loadCandles(all, { symbol: "BTC-KRW", interval: "1m" }, 7, 30)).toHaveLength(30);
  });

  it(`caps the API's runs at ${API_HISTORY_MAX_BARS} bars, in the gateway's check and in every worker`, async () => {
    const request = requestSetup({
      backtest: {
        kind: "ma-crossover",
        params: { quantity: "0.1" },
        source: { type: "history", symbol: "BTC-KRW", interval: "1m", from: "2026-01-01", to: "2027-01-01" },
      },
      ranges: { fastPeriod: { values: [5] }, slowPeriod: { values: [30] } },
      method: "grid",
      objective: "sharpe",
    });
    expect(request.setup.maxBars).toBe(API_HISTORY_MAX_BARS);
    // The worker's setup carries the cap to loadRun, which refuses data past it whatever its source.
    const small = { ...setup, argv: ["--params", '{"fastPeriod":5,"slowPeriod":30,"quantity":"0.1"}'], maxBars: 100 };
    await expect(loadRun(small, parseOptions(small.argv))).rejects.toThrow("more than the 100 one run may replay");
  });
});
