/**
 * A backtest asked for over the API (the PWA's Backtests screen): the
 * request becomes the CLI's own flags, checked by the CLI's own parser, and
 * runs through the same prepareRun/executeRun as `just backtest`, so the same
 * inputs give the same numbers. The run happens in a worker thread
 * (worker.ts), never on the caller's event loop.
 */
import {
  type BacktestRequest,
  type BacktestResult as BacktestResultView,
  type BacktestSummary,
  type Candle,
  fx,
} from "@jts/contracts";
import type { BacktestResult } from "./backtest.ts";
import type { BacktestMetrics } from "./metrics.ts";
import { tripsOf } from "./metrics.ts";
import { type CliSettings, parseOptions } from "./options.ts";
import { executeRun, type PreparedRun, prepareRun } from "./run.ts";

/**
 * Bars (candles or ticks of the data) one run asked for over the API may
 * replay: a longer `history` range is refused (422) having read one bar more,
 * not all of it, in the gateway's check and in each worker alike. The CLI
 * (`just backtest`, `just optimize`) has no such cap.
 */
export const API_HISTORY_MAX_BARS = 200_000;

/** Series kept in a stored run: enough for a chart, small enough for one document. */
export const MAX_SERIES_POINTS = 2000;

/** The `just backtest` flags a request stands for (the CSV itself is passed as text, not as --data). */
export function requestArgv(request: BacktestRequest): string[] {
  const argv = ["--strategy", request.kind, "--params", JSON.stringify(request.params), "--quiet"];
  const flag = (name: string, value: string | number | undefined) => {
    if (value !== undefined) argv.push(`--${name}`, String(value));
  };
  const source = request.source;
  if (source.type === "history") {
    flag("clickhouse", source.symbol);
    flag("interval", source.interval);
    flag("from", source.from);
    flag("to", source.to);
  }
  flag("symbol", request.symbol);
  flag("fee", request.fee);
  flag("sizing", request.sizing);
  flag("direction", request.direction);
  flag("fill", request.fillAt);
  flag("cash", request.cash);
  flag("slippage-bps", request.slippageBps);
  flag("currency", request.currency);
  flag("tick", request.tick);
  flag("lot", request.lot);
  return argv;
}

/** The CLI's settings for a request; throws the CLI's OptionError (naming the flag) for a bad value. */
export function requestSettings(request: BacktestRequest): CliSettings {
  return parseOptions(requestArgv(request));
}

/** Reads and checks everything a request names (OptionError or RunInputError when it cannot run). */
export function prepareRequest(request: BacktestRequest): Promise<PreparedRun> {
  return prepareRun(requestSettings(request), {
    ...(request.source.type === "csv" ? { csv: request.source.csv } : {}),
    maxBars: API_HISTORY_MAX_BARS,
  });
}

/** Runs a request on this thread: what worker.ts does, and the tests call directly. */
export async function runRequest(
  request: BacktestRequest,
  onProgress?: (done: number, total: number) => void,
): Promise<BacktestResultView> {
  const run = await prepareRequest(request);
  const { result, metrics } = await executeRun(run, onProgress);
  return resultView(result, metrics, run.source);
}

/** What the PWA draws: the metrics, thinned equity and drawdown, the candles, every fill and round trip. */
export function resultView(result: BacktestResult, metrics: BacktestMetrics, source: string): BacktestResultView {
  let peak = fx.toNumber(result.startingCash);
  const equity = result.equity.map((point) => {
    const value = fx.toNumber(point.equity);
    if (value > peak) peak = value;
    return { ts: String(point.ts), equity: value, drawdownPct: peak > 0 ? ((peak - value) / peak) * 100 : 0 };
  });
  return {
    source,
    symbol: result.strategy.symbol,
    timeframe: result.strategy.timeframe ?? "tick",
    events: result.events,
    summary: summaryOf(metrics),
    equity: thin(equity),
    candles: mergedCandles(result.data.flatMap((e) => (e.kind === "candle" ? [e.candle] : []))),
    fills: result.fills,
    roundTrips: tripsOf(result),
  };
}

function summaryOf(m: BacktestMetrics): BacktestSummary {
  return {
    startingEquity: m.startingEquity,
    endingEquity: m.endingEquity,
    netPnl: m.netPnl,
    fees: m.fees,
    returnPct: m.returnPct,
    buyAndHoldPct: m.buyAndHoldPct,
    maxDrawdown: m.maxDrawdown,
    maxDrawdownPct: m.maxDrawdownPct,
    cagrPct: m.cagrPct,
    sharpe: m.sharpe,
    sortino: m.sortino,
    calmar: m.calmar,
    annualization: m.annualization,
    exposurePct: m.exposurePct,
    orders: m.orders,
    rejected: m.rejected,
    fills: m.fills,
    roundTrips: m.roundTrips,
    winRate: m.winRate,
    averageTripPnl: m.averageTripPnl,
  };
}

/** Every n-th point so at most MAX_SERIES_POINTS remain, the last always kept (it is the ending equity). */
function thin<T>(points: T[]): T[] {
  if (points.length <= MAX_SERIES_POINTS) return points;
  const step = Math.ceil(points.length / MAX_SERIES_POINTS);
  const kept = points.filter((_, i) => i % step === 0);
  if ((points.length - 1) % step !== 0) kept.push(points.at(-1) as T);
  return kept;
}

/** Candles merged in runs of n (open of the first, close of the last, extremes, summed volume) so at most MAX_SERIES_POINTS remain. */
function mergedCandles(candles: Candle[]): Candle[] {
  if (candles.length <= MAX_SERIES_POINTS) return candles;
  const per = Math.ceil(candles.length / MAX_SERIES_POINTS);
  const merged: Candle[] = [];
  for (let start = 0; start < candles.length; start += per) {
    const slice = candles.slice(start, start + per);
    const first = slice[0] as Candle;
    const last = slice.at(-1) as Candle;
    const max = (a: string, b: string) => (fx.toFixed(a) >= fx.toFixed(b) ? a : b);
    const min = (a: string, b: string) => (fx.toFixed(a) <= fx.toFixed(b) ? a : b);
    merged.push({
      ...first,
      close: last.close,
      high: slice.map((c) => c.high).reduce(max),
      low: slice.map((c) => c.low).reduce(min),
      volume: fx.fromFixed(slice.reduce((sum, c) => sum + fx.toFixed(c.volume), 0n)),
    });
  }
  return merged;
}

/** Messages from worker.ts. */
export type WorkerMessage =
  | { type: "progress"; done: number; total: number }
  | { type: "done"; result: BacktestResultView }
  | { type: "failed"; error: string };

/** A run on a worker thread; `cancel` ends it at once (a deleted run). */
export interface WorkerRun {
  result: Promise<BacktestResultView>;
  cancel(): void;
}

/** Starts `request` on a new worker thread; progress is reported at most once per whole percent. */
export function runInWorker(request: BacktestRequest, onProgress: (share: number) => void): WorkerRun {
  const worker = new Worker(new URL("./worker.ts", import.meta.url).href);
  let settle: { resolve(view: BacktestResultView): void; reject(error: Error): void } | undefined;
  const result = new Promise<BacktestResultView>((resolve, reject) => {
    settle = { resolve, reject };
  });
  let percent = -1;
  worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
    const message = event.data;
    if (message.type === "progress") {
      const now = message.total > 0 ? Math.floor((message.done / message.total) * 100) : 0;
      if (now > percent) {
        percent = now;
        onProgress(now / 100);
      }
      return;
    }
    worker.terminate();
    if (message.type === "done") settle?.resolve(message.result);
    else settle?.reject(new Error(message.error));
  };
  worker.onerror = (event) => {
    worker.terminate();
    settle?.reject(new Error(event.message || "the backtest worker failed"));
  };
  worker.postMessage(request);
  return {
    result,
    cancel() {
      worker.terminate();
      settle?.reject(new Error("canceled"));
    },
  };
}
