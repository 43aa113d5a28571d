import { type Static, Type as t } from "@sinclair/typebox";
import { BacktestRequest, BacktestStatus } from "./backtests.ts";
import { Id } from "./primitives.ts";

/**
 * Parameter optimization (`just optimize`, POST /api/optimizations): many
 * backtests of one strategy kind over a grid or a random sample of its
 * parameters, optionally walk-forward (rolling in-sample / out-of-sample
 * windows), so the out-of-sample numbers stand beside the in-sample ones.
 */

/** Combinations one optimization may try: more is refused before anything runs. */
export const OPTIMIZATION_MAX_COMBINATIONS = 10_000;
/** Backtests one optimization may run (combinations x walk-forward windows). */
export const OPTIMIZATION_MAX_RUNS = 20_000;
/** Walk-forward windows one optimization may have: more is refused before anything runs (the step is too small). */
export const OPTIMIZATION_MAX_WINDOWS = 1_000;
/** The shortest walk-forward in-sample part in bars (a longer one when the strategy needs more to warm up). */
export const OPTIMIZATION_MIN_IN_SAMPLE = 10;
/** Bars replayed by one optimization over all its backtests (each backtest's window, summed): more is refused. */
export const OPTIMIZATION_MAX_BAR_STEPS = 50_000_000;
/** Rows a kept optimization stores (the best by the objective); `rowsTotal` says how many were tried. */
export const OPTIMIZATION_MAX_STORED_ROWS = 1_000;
/** Values one list range may hold. */
const MAX_LIST_VALUES = 1_000;

/** Every value from `min` to `max` in steps of `step` (both ends included when on the step). */
export const ParamSpan = t.Object(
  { min: t.Number(), max: t.Number(), step: t.Number() },
  { additionalProperties: false },
);
/** Exactly these values (numbers, decimals as text, booleans). */
export const ParamList = t.Object(
  {
    values: t.Array(t.Union([t.Number(), t.String({ maxLength: 40 }), t.Boolean()]), {
      minItems: 1,
      maxItems: MAX_LIST_VALUES,
    }),
  },
  { additionalProperties: false },
);
export const ParamRange = t.Union([ParamSpan, ParamList]);
export type ParamRange = Static<typeof ParamRange>;

/** What is compared; maxDrawdownPct is the one where lower is better. */
export const OPTIMIZATION_OBJECTIVES = [
  "sharpe",
  "sortino",
  "calmar",
  "returnPct",
  "netPnl",
  "maxDrawdownPct",
] as const;
export const OptimizationObjective = t.Union([
  t.Literal("sharpe"),
  t.Literal("sortino"),
  t.Literal("calmar"),
  t.Literal("returnPct"),
  t.Literal("netPnl"),
  t.Literal("maxDrawdownPct"),
]);
export type OptimizationObjective = Static<typeof OptimizationObjective>;

/** Rolling windows in bars (events) of the traded symbol: in-sample, then out-of-sample, the pair moved by `step` (default: outOfSample). */
export const WalkForward = t.Object(
  {
    inSample: t.Integer({ minimum: OPTIMIZATION_MIN_IN_SAMPLE, maximum: 10_000_000 }),
    outOfSample: t.Integer({ minimum: 1, maximum: 10_000_000 }),
    step: t.Optional(t.Integer({ minimum: 1, maximum: 10_000_000 })),
  },
  { additionalProperties: false },
);
export type WalkForward = Static<typeof WalkForward>;

export const OptimizationRequest = t.Object(
  {
    /** The backtest every combination starts from: its `params` hold the values of the parameters not ranged. */
    backtest: BacktestRequest,
    /** Per parameter of the kind's schema: a {min,max,step} span or a list of values. */
    ranges: t.Record(t.String({ minLength: 1, maxLength: 64 }), ParamRange),
    method: t.Union([t.Literal("grid"), t.Literal("random")]),
    /** Random search: how many distinct combinations to draw (default 100). */
    samples: t.Optional(t.Integer({ minimum: 1, maximum: OPTIMIZATION_MAX_COMBINATIONS })),
    /** Random search: the seed, so the same request draws the same combinations (default 1). */
    seed: t.Optional(t.Integer({ minimum: 0, maximum: 2 ** 31 - 1 })),
    objective: OptimizationObjective,
    walkForward: t.Optional(WalkForward),
  },
  { additionalProperties: false },
);
export type OptimizationRequest = Static<typeof OptimizationRequest>;

const Ratio = t.Union([t.Number(), t.Null()]);
/** One stretch of one run, measured on its equity curve alone. */
export const SegmentMetrics = t.Object({
  netPnl: t.Number(),
  returnPct: t.Number(),
  maxDrawdownPct: t.Number(),
  sharpe: Ratio,
  sortino: Ratio,
  calmar: Ratio,
  /** Fills inside the stretch. */
  fills: t.Integer(),
});
export type SegmentMetrics = Static<typeof SegmentMetrics>;

/** One combination: its parameters, in-sample and out-of-sample metrics (means over the windows) and the objective on each. */
export const OptimizationRow = t.Object({
  params: t.Record(t.String(), t.Union([t.Number(), t.String(), t.Boolean()])),
  inSample: SegmentMetrics,
  outOfSample: t.Union([SegmentMetrics, t.Null()]),
  /** The objective's in-sample value (null when the metric has none, e.g. no trades). */
  score: Ratio,
  outOfSampleScore: Ratio,
});
export type OptimizationRow = Static<typeof OptimizationRow>;

const BarSpan = t.Object({ from: t.Integer(), to: t.Integer() });

/** One walk-forward window: its bars, the combination best in-sample, and how that one did out of sample. */
export const OptimizationWindow = t.Object({
  /** Bars [from, to) of the traded symbol (an object, not a tuple: OpenAPI 3.1 has no tuple `items`). */
  inSample: BarSpan,
  outOfSample: BarSpan,
  best: t.Record(t.String(), t.Union([t.Number(), t.String(), t.Boolean()])),
  score: Ratio,
  outOfSampleScore: Ratio,
});
export type OptimizationWindow = Static<typeof OptimizationWindow>;

export const OptimizationResult = t.Object({
  source: t.String(),
  symbol: t.String(),
  bars: t.Integer(),
  objective: OptimizationObjective,
  /** The ranged parameters, in the request's order (the heatmap's axes are two of them). */
  ranged: t.Array(t.String()),
  /** Combinations the kind's own cross-checks refused (e.g. fastPeriod not below slowPeriod), left out. */
  skipped: t.Integer(),
  skippedReason: t.Union([t.String(), t.Null()]),
  /** Every combination tried, best in-sample score first (a kept run: the best OPTIMIZATION_MAX_STORED_ROWS). */
  rows: t.Array(OptimizationRow),
  /** Combinations tried, when a kept run holds only the best of them in `rows`. */
  rowsTotal: t.Optional(t.Integer()),
  windows: t.Array(OptimizationWindow),
  workers: t.Integer(),
  elapsedMs: t.Number(),
});
export type OptimizationResult = Static<typeof OptimizationResult>;

export const OptimizationRun = t.Object({
  id: Id,
  owner: t.String(),
  status: BacktestStatus,
  /** 0..1 of the backtests done. */
  progress: t.Number({ minimum: 0, maximum: 1 }),
  request: OptimizationRequest,
  /** Combinations and backtests it runs (known when accepted). */
  combinations: t.Integer(),
  runs: t.Integer(),
  createdAt: t.String(),
  finishedAt: t.Union([t.String(), t.Null()]),
  error: t.Union([t.String(), t.Null()]),
  /** The best row once done (the list shows it). */
  best: t.Union([OptimizationRow, t.Null()]),
  /** In GET /api/optimizations/:id only. */
  result: t.Optional(OptimizationResult),
});
export type OptimizationRun = Static<typeof OptimizationRun>;
