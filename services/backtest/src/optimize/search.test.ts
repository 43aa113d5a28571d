import { describe, expect, it } from "bun:test";
import { OPTIMIZATION_MAX_COMBINATIONS, OPTIMIZATION_MAX_RUNS } from "@jts/contracts";
import { DEFAULT_BACKTEST_PARAMS } from "../defaults.ts";
import { planOptimization } from "./plan.ts";
import {
  acceptedCombinations,
  expandRanges,
  gridCombinations,
  OptimizationError,
  randomCombinations,
  rangeValues,
} from "./search.ts";
import { segmentMetrics, walkForwardWindows } from "./walk-forward.ts";

const base = DEFAULT_BACKTEST_PARAMS["ma-crossover"];

describe("ranges", () => {
  it("span min to max in steps, both ends included, without float drift", () => {
    expect(rangeValues("a", { min: 5, max: 20, step: 5 }, "integer")).toEqual([5, 10, 15, 20]);
    expect(rangeValues("a", { min: 0.1, max: 0.5, step: 0.1 }, "number")).toEqual([0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(rangeValues("a", { min: 1, max: 10, step: 4 }, "integer")).toEqual([1, 5, 9]);
    expect(rangeValues("a", { min: 3, max: 3, step: 1 }, "integer")).toEqual([3]);
  });

  it("type values as the schema's property: a decimal gets text, a number gets a number", () => {
    expect(rangeValues("q", { min: 0.1, max: 0.3, step: 0.1 }, "string")).toEqual(["0.1", "0.2", "0.3"]);
    expect(rangeValues("p", { values: ["5", "8"] }, "integer")).toEqual([5, 8]);
    expect(rangeValues("q", { values: [0.5] }, "string")).toEqual(["0.5"]);
  });

  it("refuse min above max, a step of zero or below, and a span too long, naming the parameter", () => {
    expect(() => rangeValues("fastPeriod", { min: 20, max: 5, step: 5 }, "integer")).toThrow(
      "fastPeriod {min 20, max 5, step 5}: min is above max",
    );
    expect(() => rangeValues("fastPeriod", { min: 5, max: 20, step: 0 }, "integer")).toThrow(
      "step must be greater than zero",
    );
    expect(() => rangeValues("fastPeriod", { min: 5, max: 20, step: -1 }, "integer")).toThrow(
      "step must be greater than zero",
    );
    expect(() => rangeValues("w", { min: 0, max: 1e9, step: 1 }, "number")).toThrow(
      `more than ${OPTIMIZATION_MAX_COMBINATIONS} combinations`,
    );
  });

  it("refuse a parameter the kind does not have, a repeated value, and a value its schema refuses", () => {
    expect(() => expandRanges("ma-crossover", base, { period: { values: [5] } })).toThrow(
      "period is not a ma-crossover parameter (it has fastPeriod, slowPeriod, quantity)",
    );
    expect(() => expandRanges("ma-crossover", base, { fastPeriod: { values: [5, 5] } })).toThrow("repeats a value");
    expect(() => expandRanges("ma-crossover", base, { constructor: { values: [5] } })).toThrow(
      "constructor is not a ma-crossover parameter",
    );
    expect(() => expandRanges("ma-crossover", base, { fastPeriod: { min: 0, max: 10, step: 5 } })).toThrow(
      "fastPeriod = 0: fastPeriod:",
    );
    expect(() => expandRanges("ma-crossover", base, { fastPeriod: { values: [2.5] } })).toThrow("fastPeriod = 2.5");
    expect(() => expandRanges("ma-crossover", base, {})).toThrow("no parameter is ranged");
  });
});

describe("grid search", () => {
  it("covers exactly every combination, once each", () => {
    const axes = expandRanges("ma-crossover", base, {
      fastPeriod: { min: 5, max: 15, step: 5 },
      slowPeriod: { values: [30, 60] },
      quantity: { values: ["0.1", "0.2"] },
    });
    const grid = gridCombinations(axes);
    expect(grid).toHaveLength(3 * 2 * 2);
    const keys = new Set(grid.map((c) => JSON.stringify(c)));
    expect(keys.size).toBe(12);
    for (const fastPeriod of [5, 10, 15])
      for (const slowPeriod of [30, 60])
        for (const quantity of ["0.1", "0.2"])
          expect(keys.has(JSON.stringify({ fastPeriod, slowPeriod, quantity }))).toBe(true);
  });

  it("refuses more than the cap of combinations before building them", () => {
    const axes = expandRanges("ma-crossover", base, {
      fastPeriod: { min: 1, max: 200, step: 1 },
      slowPeriod: { min: 300, max: 1000, step: 1 },
    });
    expect(() => gridCombinations(axes)).toThrow(`the grid has ${200 * 701} combinations, more than 10000`);
  });

  it("leaves out the combinations the kind's cross-check refuses, and counts them", () => {
    const axes = expandRanges("ma-crossover", base, {
      fastPeriod: { values: [10, 40] },
      slowPeriod: { values: [30, 60] },
    });
    const { accepted, skipped, skippedReason } = acceptedCombinations("ma-crossover", base, gridCombinations(axes));
    expect(accepted).toEqual([
      { fastPeriod: 10, slowPeriod: 30 },
      { fastPeriod: 10, slowPeriod: 60 },
      { fastPeriod: 40, slowPeriod: 60 },
    ]);
    expect(skipped).toBe(1);
    expect(skippedReason).toBe("fastPeriod must be below slowPeriod");
    expect(() => acceptedCombinations("ma-crossover", base, [{ fastPeriod: 50, slowPeriod: 40 }])).toThrow(
      "the kind refuses every combination: fastPeriod must be below slowPeriod",
    );
  });
});

describe("random search", () => {
  const axes = expandRanges("ma-crossover", base, {
    fastPeriod: { min: 1, max: 29, step: 1 },
    slowPeriod: { min: 30, max: 300, step: 10 },
  });

  it("draws the same distinct combinations for the same seed, others for another", () => {
    const first = randomCombinations(axes, 50, 7);
    expect(randomCombinations(axes, 50, 7)).toEqual(first);
    expect(new Set(first.map((c) => JSON.stringify(c))).size).toBe(50);
    expect(randomCombinations(axes, 50, 8)).not.toEqual(first);
    const grid = new Set(gridCombinations(axes).map((c) => JSON.stringify(c)));
    for (const combination of first) expect(grid.has(JSON.stringify(combination))).toBe(true);
  });

  it("draws most of a small grid without repeats, and all of it when asked for more", () => {
    const small = expandRanges("ma-crossover", base, { fastPeriod: { values: [5, 10, 15] } });
    expect(new Set(randomCombinations(small, 2, 1).map((c) => c.fastPeriod)).size).toBe(2);
    expect(randomCombinations(small, 10, 1)).toEqual(gridCombinations(small));
  });

  it("refuses more samples than the cap", () => {
    expect(() => randomCombinations(axes, OPTIMIZATION_MAX_COMBINATIONS + 1, 1)).toThrow("more than 10000");
  });
});

describe("walk-forward windows", () => {
  it("roll in-sample then out-of-sample by the step while a pair fits", () => {
    expect(walkForwardWindows(2880, { inSample: 960, outOfSample: 480 })).toEqual([
      { from: 0, split: 960, to: 1440 },
      { from: 480, split: 1440, to: 1920 },
      { from: 960, split: 1920, to: 2400 },
      { from: 1440, split: 2400, to: 2880 },
    ]);
    // A tail shorter than a pair is left out; a step of its own.
    expect(walkForwardWindows(100, { inSample: 30, outOfSample: 20, step: 40 })).toEqual([
      { from: 0, split: 30, to: 50 },
      { from: 40, split: 70, to: 90 },
    ]);
    expect(walkForwardWindows(50, { inSample: 30, outOfSample: 20 })).toHaveLength(1);
  });

  it("is one in-sample window over everything without walk-forward", () => {
    expect(walkForwardWindows(2880, undefined)).toEqual([{ from: 0, split: 2880, to: 2880 }]);
  });

  it("refuses a pair longer than the data and nonsense sizes", () => {
    expect(() => walkForwardWindows(100, { inSample: 80, outOfSample: 30 })).toThrow(
      "one window needs 110 bars, the data holds 100",
    );
    expect(() => walkForwardWindows(100, { inSample: 9, outOfSample: 30 })).toThrow("inSample must be at least 10");
    expect(() => walkForwardWindows(100, { inSample: 10, outOfSample: 10, step: 0 })).toThrow(
      "step must be at least 1",
    );
    expect(() => walkForwardWindows(100, { inSample: 10.5, outOfSample: 10 })).toThrow("whole numbers of bars");
  });
});

describe("segment metrics", () => {
  it("measure a stretch from its own starting equity", () => {
    const fixed = (n: number) => BigInt(n) * 1_000_000_000n;
    const points = [110, 99, 120].map((e, i) => ({ ts: BigInt(i + 1), equity: fixed(e), position: 0n }));
    const m = segmentMetrics(fixed(100), points, 365, 3);
    expect(m.netPnl).toBe(20);
    expect(m.returnPct).toBe(20);
    expect(m.maxDrawdownPct).toBe(10);
    expect(m.fills).toBe(3);
    expect(m.sharpe).not.toBeNull();
  });
});

describe("planOptimization", () => {
  const setup = { argv: ["--quiet"], readFiles: false };

  it("refuses before loading data: a bad range, an unknown parameter, a bad backtest flag", async () => {
    await expect(
      planOptimization(setup, {
        ranges: { fastPeriod: { min: 9, max: 3, step: 1 } },
        method: "grid",
        objective: "sharpe",
      }),
    ).rejects.toBeInstanceOf(OptimizationError);
    await expect(
      planOptimization(setup, { ranges: { nope: { values: [1] } }, method: "grid", objective: "sharpe" }),
    ).rejects.toThrow("nope is not a ma-crossover parameter");
    await expect(
      planOptimization(
        { argv: ["--fee", "2"], readFiles: false },
        { ranges: { fastPeriod: { values: [5] } }, method: "grid", objective: "sharpe" },
      ),
    ).rejects.toThrow("--fee 2: a rate is a fraction below 1");
  });

  it("refuses more backtests than the cap (combinations x windows)", async () => {
    await expect(
      planOptimization(setup, {
        ranges: { fastPeriod: { min: 1, max: 29, step: 1 }, slowPeriod: { min: 30, max: 200, step: 1 } },
        method: "grid",
        objective: "sharpe",
        // Long enough for slowPeriod 200 to warm up (201 bars).
        walkForward: { inSample: 250, outOfSample: 50, step: 50 },
      }),
    ).rejects.toThrow(`backtests, more than ${OPTIMIZATION_MAX_RUNS}`);
  });

  it("takes --params with only the parameters not ranged, and refuses a set missing one", async () => {
    const plan = await planOptimization(
      { argv: ["--params", '{"quantity":"0.2"}'], readFiles: false },
      {
        ranges: { fastPeriod: { values: [40, 5] }, slowPeriod: { values: [30] } },
        method: "grid",
        objective: "sharpe",
      },
    );
    // The first accepted combination completes the backtest's own parameters.
    expect(plan.settings.params).toEqual({ quantity: "0.2", fastPeriod: 5, slowPeriod: 30 });
    expect(plan.combinations).toEqual([{ fastPeriod: 5, slowPeriod: 30 }]);
    await expect(
      planOptimization(
        { argv: ["--params", "{}"], readFiles: false },
        { ranges: { fastPeriod: { values: [5] }, slowPeriod: { values: [30] } }, method: "grid", objective: "sharpe" },
      ),
    ).rejects.toThrow("the kind refuses every combination: quantity: Expected required property");
  });

  it("plans one task per combination and window", async () => {
    const plan = await planOptimization(setup, {
      ranges: { fastPeriod: { values: [5, 10] }, slowPeriod: { values: [30, 60] } },
      method: "grid",
      objective: "netPnl",
      walkForward: { inSample: 960, outOfSample: 480 },
    });
    expect(plan.bars).toBe(2880);
    expect(plan.windows).toHaveLength(4);
    expect(plan.tasks).toHaveLength(16);
    expect(plan.tasks[5]).toMatchObject({ combination: 1, window: 1, from: 480, split: 1440, to: 1920 });
  });
});
