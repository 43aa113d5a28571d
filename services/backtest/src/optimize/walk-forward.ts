/**
 * Walk-forward windows and the metrics of one stretch of a run.
 *
 * A window is one backtest over in-sample + out-of-sample bars: the strategy
 * runs on, unbroken, from the in-sample part into the out-of-sample part (so
 * its indicators are warm and a position it holds carries over, as live), and
 * each part is measured on its own stretch of the equity curve.
 */
import {
  fx,
  OPTIMIZATION_MAX_WINDOWS,
  OPTIMIZATION_MIN_IN_SAMPLE,
  type SegmentMetrics,
  type WalkForward,
} from "@jts/contracts";
import type { EquityPoint } from "../backtest.ts";
import { maxDrawdown, riskRatios } from "../metrics.ts";
import { round } from "../trips.ts";
import { OptimizationError } from "./search.ts";

/** Bars [from, to) of the traded symbol; out of sample from `split` on (equal to `to` without walk-forward). */
export interface Window {
  from: number;
  split: number;
  to: number;
}

/**
 * The rolling windows over `bars` bars: in-sample [s, s+IS), out-of-sample
 * [s+IS, s+IS+OOS), for s = 0, step, 2*step, ... while the pair fits (a tail
 * shorter than a pair is left out). Without walk-forward: one window over
 * every bar, all in sample. More than OPTIMIZATION_MAX_WINDOWS windows is
 * refused, counted before any is built.
 */
export function walkForwardWindows(bars: number, walkForward: WalkForward | undefined): Window[] {
  if (!walkForward) {
    if (bars < 2) throw new OptimizationError(`the data holds ${bars} bars of the symbol; a backtest needs at least 2`);
    return [{ from: 0, split: bars, to: bars }];
  }
  const { inSample, outOfSample } = walkForward;
  const step = walkForward.step ?? outOfSample;
  const where = `walk-forward {inSample ${inSample}, outOfSample ${outOfSample}, step ${step}}`;
  if (![inSample, outOfSample, step].every(Number.isInteger))
    throw new OptimizationError(`${where}: windows are whole numbers of bars`);
  if (inSample < OPTIMIZATION_MIN_IN_SAMPLE)
    throw new OptimizationError(`${where}: inSample must be at least ${OPTIMIZATION_MIN_IN_SAMPLE} bars`);
  if (outOfSample < 1) throw new OptimizationError(`${where}: outOfSample must be at least 1 bar`);
  if (step < 1) throw new OptimizationError(`${where}: step must be at least 1 bar`);
  if (inSample + outOfSample > bars)
    throw new OptimizationError(`${where}: one window needs ${inSample + outOfSample} bars, the data holds ${bars}`);
  const count = Math.floor((bars - inSample - outOfSample) / step) + 1;
  if (count > OPTIMIZATION_MAX_WINDOWS)
    throw new OptimizationError(
      `${where}: ${count} windows, more than ${OPTIMIZATION_MAX_WINDOWS}: a larger step or a shorter range`,
    );
  const windows: Window[] = [];
  for (let from = 0; from + inSample + outOfSample <= bars; from += step)
    windows.push({ from, split: from + inSample, to: from + inSample + outOfSample });
  return windows;
}

/**
 * Net P&L, return, drawdown and the annualized ratios of `points` alone,
 * starting from `startEquity` (the equity before the stretch's first point),
 * with the same formulas as the whole run's report (metrics.ts).
 */
export function segmentMetrics(
  startEquity: fx.Fixed,
  points: readonly EquityPoint[],
  periodsPerYear: number | null,
  fills: number,
): SegmentMetrics {
  const end = points.at(-1)?.equity ?? startEquity;
  const drawdown = maxDrawdown(startEquity, points);
  const ratios = riskRatios(startEquity, points, periodsPerYear, drawdown.pct);
  const start = fx.toNumber(startEquity);
  const nullable = (value: number | null) => (value === null ? null : round(value, 4));
  return {
    netPnl: fx.toNumber(end - startEquity),
    returnPct: start === 0 ? 0 : round((fx.toNumber(end - startEquity) / start) * 100, 4),
    maxDrawdownPct: round(drawdown.pct * 100, 4),
    sharpe: nullable(ratios.sharpe),
    sortino: nullable(ratios.sortino),
    calmar: nullable(ratios.calmar),
    fills,
  };
}
