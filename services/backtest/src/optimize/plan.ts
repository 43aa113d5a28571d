/**
 * An optimization from its request to the backtests it runs and back to the
 * result: `planOptimization` checks everything (the backtest's own flags as
 * `just backtest` checks them, the ranges, the windows, the work caps) and
 * loads the data once, before any backtest runs; `runTask` is one backtest of
 * one combination over one window (what a worker does); `summarize` turns the
 * tasks' metrics into the table's rows and the windows' picks.
 */
import {
  OPTIMIZATION_MAX_BAR_STEPS,
  OPTIMIZATION_MAX_RUNS,
  type OptimizationObjective,
  type OptimizationResult,
  type OptimizationRow,
  type OptimizationWindow,
  type ParamRange,
  type SegmentMetrics,
  STRATEGY_KINDS,
  type StrategyKind,
  type StrategyParams,
  type WalkForward,
} from "@jts/contracts";
import { kindOf } from "@jts/strategy-engine";
import { eventSymbol } from "../csv.ts";
import { DEFAULT_BACKTEST_PARAMS } from "../defaults.ts";
import { type CliSettings, OptionError, parseOptions } from "../options.ts";
import { executeRun, type PreparedRun, prepareRun, type RunInputs } from "../run.ts";
import {
  acceptedCombinations,
  expandRanges,
  gridCombinations,
  OptimizationError,
  randomCombinations,
} from "./search.ts";
import { segmentMetrics, type Window, walkForwardWindows } from "./walk-forward.ts";

/** What is searched, apart from the backtest itself (given as `just backtest` flags). */
export interface SearchSpec {
  ranges: Record<string, ParamRange>;
  method: "grid" | "random";
  samples?: number;
  seed?: number;
  objective: OptimizationObjective;
  walkForward?: WalkForward;
}

/** What a worker needs to load the same data: the backtest's flags and the inputs that are not files. */
export interface WorkerSetup {
  argv: string[];
  csv?: string;
  instrumentFile?: unknown;
  holidays?: string[];
  /** Whether `--data FILE` is read from disk (the CLI; the gateway sends CSV text). */
  readFiles: boolean;
  /** The most bars the data may hold (the API's runs: job.ts API_HISTORY_MAX_BARS); none for the CLI. */
  maxBars?: number;
}

/** One backtest: a combination (merged into the base params) over bars [from, to), out of sample from `split`. */
export interface Task {
  combination: number;
  window: number;
  params: StrategyParams;
  from: number;
  split: number;
  to: number;
}

export interface TaskResult {
  inSample: SegmentMetrics;
  outOfSample: SegmentMetrics | null;
}

export interface OptimizationPlan {
  setup: WorkerSetup;
  settings: CliSettings;
  source: string;
  symbol: string;
  bars: number;
  ranged: string[];
  combinations: StrategyParams[];
  skipped: number;
  skippedReason: string | null;
  windows: Window[];
  tasks: Task[];
  spec: SearchSpec;
}

/** Default random sample size. */
export const DEFAULT_SAMPLES = 100;

/** Checks the search, then loads the data and checks the windows and the work; throws OptionError, RunInputError or OptimizationError. */
export async function planOptimization(
  given: WorkerSetup,
  spec: SearchSpec,
  inputs: RunInputs = {},
): Promise<OptimizationPlan> {
  const { kind, params: base } = baseParams(given.argv);
  const axes = expandRanges(kind, base, spec.ranges);
  const drawn =
    spec.method === "grid"
      ? gridCombinations(axes)
      : randomCombinations(axes, spec.samples ?? DEFAULT_SAMPLES, spec.seed ?? 1);
  const { accepted, skipped, skippedReason } = acceptedCombinations(kind, base, drawn);
  if (spec.walkForward) checkWarmUp(kind, base, accepted, spec.walkForward.inSample);
  // --params need not name the ranged parameters: the first accepted combination fills them, so
  // the backtest's own check (parseOptions, as `just backtest` runs it) sees a whole set.
  const setup = { ...given, argv: withParams(given.argv, { ...base, ...accepted[0] }) };
  const settings = parseOptions(setup.argv);
  const run = await loadRun(setup, settings, inputs);
  const windows = walkForwardWindows(run.events.length, spec.walkForward);
  const runs = accepted.length * windows.length;
  if (runs > OPTIMIZATION_MAX_RUNS)
    throw new OptimizationError(
      `${accepted.length} combinations x ${windows.length} windows = ${runs} backtests, more than ${OPTIMIZATION_MAX_RUNS}: fewer combinations or a larger walk-forward step`,
    );
  // Backtests cost by the bars they replay: 20,000 backtests of 200,000 bars each would run for days.
  const windowBars = windows.reduce((sum, w) => sum + (w.to - w.from), 0);
  const barSteps = accepted.length * windowBars;
  if (barSteps > OPTIMIZATION_MAX_BAR_STEPS)
    throw new OptimizationError(
      `${accepted.length} combinations x ${windowBars} bars over the windows = ${barSteps} bar-steps, more than ${OPTIMIZATION_MAX_BAR_STEPS}: fewer combinations, fewer or shorter windows, or a shorter range`,
    );
  const tasks = windows.flatMap((window, w) =>
    accepted.map((params, c) => ({ combination: c, window: w, params, ...window })),
  );
  return {
    setup,
    settings,
    source: run.source,
    symbol: run.strategy.symbol,
    bars: run.events.length,
    ranged: axes.map((a) => a.name),
    combinations: accepted,
    skipped,
    skippedReason,
    windows,
    tasks,
    spec,
  };
}

/**
 * Refuses an in-sample part shorter than the longest warm-up of the
 * combinations: its indicators would not be ready before it ends, so its
 * score says nothing.
 */
function checkWarmUp(kind: StrategyKind, base: StrategyParams, combinations: StrategyParams[], inSample: number): void {
  const definition = kindOf(kind);
  let longest: { combination: StrategyParams; bars: number } | null = null;
  for (const combination of combinations) {
    const bars = definition.warmupBars({ ...base, ...combination });
    if (!longest || bars > longest.bars) longest = { combination, bars };
  }
  if (longest && inSample < longest.bars)
    throw new OptimizationError(
      `walk-forward inSample ${inSample} is shorter than the strategy's warm-up: ${JSON.stringify(longest.combination)} needs ${longest.bars} bars; a longer inSample or shorter periods`,
    );
}

/**
 * The kind and the parameters --params gives (or the kind's backtest defaults
 * without it), before the backtest's own check; a flag it cannot read is left
 * to parseOptions, which refuses it with its usual message.
 */
function baseParams(argv: string[]): { kind: StrategyKind; params: StrategyParams } {
  const kind = flagValue(argv, "--strategy") ?? "ma-crossover";
  if (!STRATEGY_KINDS.includes(kind as StrategyKind)) parseOptions(argv);
  const text = flagValue(argv, "--params");
  if (text === undefined) return { kind: kind as StrategyKind, params: DEFAULT_BACKTEST_PARAMS[kind as StrategyKind] };
  let params: unknown;
  try {
    params = JSON.parse(text);
  } catch {
    parseOptions(argv);
  }
  if (typeof params !== "object" || params === null || Array.isArray(params))
    throw new OptionError("--params: expected a JSON object of parameter values");
  return { kind: kind as StrategyKind, params: params as StrategyParams };
}

/** The value of `--flag VALUE` or `--flag=VALUE`. */
export function flagValue(argv: readonly string[], flag: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === flag) return argv[i + 1];
    if (argv[i]?.startsWith(`${flag}=`)) return argv[i]?.slice(flag.length + 1);
  }
  return undefined;
}

/** `argv` with --params replaced by (or given) `params`. */
function withParams(argv: readonly string[], params: StrategyParams): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--params") i++;
    else if (!arg.startsWith("--params=")) out.push(arg);
  }
  return [...out, "--params", JSON.stringify(params)];
}

/** The setup's run with only the traded symbol's events, so windows count its bars. */
export async function loadRun(setup: WorkerSetup, settings: CliSettings, inputs: RunInputs = {}): Promise<PreparedRun> {
  const run = await prepareRun(settings, {
    ...inputs,
    ...(setup.csv !== undefined ? { csv: setup.csv } : {}),
    ...(setup.instrumentFile !== undefined ? { instrumentFile: setup.instrumentFile } : {}),
    ...(setup.holidays ? { holidays: setup.holidays } : {}),
    ...(setup.maxBars !== undefined ? { maxBars: setup.maxBars } : {}),
  });
  return { ...run, events: run.events.filter((e) => eventSymbol(e) === run.strategy.symbol) };
}

/** One backtest of `task` over the prepared run (the base params with the task's combination). */
export async function runTask(run: PreparedRun, task: Task): Promise<TaskResult> {
  const { result } = await executeRun({
    ...run,
    events: run.events.slice(task.from, task.to),
    strategy: { ...run.strategy, params: { ...run.strategy.params, ...task.params } },
  });
  const inSampleCount = task.split - task.from;
  const points = result.equity;
  const inPoints = points.slice(0, inSampleCount);
  const outPoints = points.slice(inSampleCount);
  const boundary = inPoints.at(-1)?.ts;
  const fillsIn = result.fills.filter((f) => boundary === undefined || BigInt(f.tsEvent) <= boundary).length;
  const inSample = segmentMetrics(result.startingCash, inPoints, result.periodsPerYear, fillsIn);
  if (outPoints.length === 0) return { inSample, outOfSample: null };
  const outStart = inPoints.at(-1)?.equity ?? result.startingCash;
  return {
    inSample,
    outOfSample: segmentMetrics(outStart, outPoints, result.periodsPerYear, result.fills.length - fillsIn),
  };
}

/** The objective's value of some metrics; higher is better once `better` has been applied. */
export function objectiveOf(metrics: SegmentMetrics | null, objective: OptimizationObjective): number | null {
  return metrics ? metrics[objective] : null;
}

/** Whether score `a` beats `b` for the objective (a null score beats nothing). */
export function beats(a: number | null, b: number | null, objective: OptimizationObjective): boolean {
  if (a === null) return false;
  if (b === null) return true;
  return objective === "maxDrawdownPct" ? a < b : a > b;
}

/** Mean of each metric over the windows (a ratio's mean over the windows that have it; null when none does). */
export function meanMetrics(all: SegmentMetrics[]): SegmentMetrics {
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const nullableMean = (values: Array<number | null>) => {
    const present = values.filter((v): v is number => v !== null);
    return present.length === 0 ? null : round4(mean(present));
  };
  return {
    netPnl: round4(mean(all.map((m) => m.netPnl))),
    returnPct: round4(mean(all.map((m) => m.returnPct))),
    maxDrawdownPct: round4(mean(all.map((m) => m.maxDrawdownPct))),
    sharpe: nullableMean(all.map((m) => m.sharpe)),
    sortino: nullableMean(all.map((m) => m.sortino)),
    calmar: nullableMean(all.map((m) => m.calmar)),
    fills: Math.round(mean(all.map((m) => m.fills))),
  };
}

const round4 = (value: number) => Math.round(value * 10_000) / 10_000;

/**
 * Each window's best in-sample combination (the first on a tie), in one pass
 * over the tasks: a scan of every task per window (windows x tasks) blocked
 * the gateway's event loop for seconds.
 */
function windowPicks(
  plan: OptimizationPlan,
  results: TaskResult[],
): Array<{ params: StrategyParams; result: TaskResult } | null> {
  const { objective } = plan.spec;
  const picks: Array<{ params: StrategyParams; result: TaskResult } | null> = plan.windows.map(() => null);
  for (const [i, task] of plan.tasks.entries()) {
    const result = results[i] as TaskResult;
    const best = picks[task.window];
    if (
      !best ||
      beats(objectiveOf(result.inSample, objective), objectiveOf(best.result.inSample, objective), objective)
    )
      picks[task.window] = { params: task.params, result };
  }
  return picks;
}

/** The rows (best in-sample score first) and each window's in-sample pick with its out-of-sample score. */
export function summarize(
  plan: OptimizationPlan,
  results: TaskResult[],
  extra: { workers: number; elapsedMs: number },
): OptimizationResult {
  const { objective } = plan.spec;
  const perCombination = plan.combinations.map(() => [] as TaskResult[]);
  for (const [i, task] of plan.tasks.entries()) perCombination[task.combination]?.push(results[i] as TaskResult);
  const rows: OptimizationRow[] = plan.combinations.map((params, c) => {
    const taskResults = perCombination[c] ?? [];
    const inSample = meanMetrics(taskResults.map((r) => r.inSample));
    const outs = taskResults.flatMap((r) => (r.outOfSample ? [r.outOfSample] : []));
    const outOfSample = outs.length > 0 ? meanMetrics(outs) : null;
    return {
      params,
      inSample,
      outOfSample,
      score: objectiveOf(inSample, objective),
      outOfSampleScore: objectiveOf(outOfSample, objective),
    };
  });
  const order = rows.map((row, i) => ({ row, i }));
  order.sort((a, b) =>
    beats(a.row.score, b.row.score, objective) ? -1 : beats(b.row.score, a.row.score, objective) ? 1 : a.i - b.i,
  );
  const windows: OptimizationWindow[] = plan.spec.walkForward
    ? windowPicks(plan, results).map((pick, w) => {
        const window = plan.windows[w] as Window;
        return {
          inSample: { from: window.from, to: window.split },
          outOfSample: { from: window.split, to: window.to },
          best: pick?.params ?? {},
          score: objectiveOf(pick?.result.inSample ?? null, objective),
          outOfSampleScore: objectiveOf(pick?.result.outOfSample ?? null, objective),
        };
      })
    : [];
  return {
    source: plan.source,
    symbol: plan.symbol,
    bars: plan.bars,
    objective,
    ranged: plan.ranged,
    skipped: plan.skipped,
    skippedReason: plan.skippedReason,
    rows: order.map((o) => o.row),
    windows,
    workers: extra.workers,
    elapsedMs: extra.elapsedMs,
  };
}
