import { type Fixed, fx } from "@jts/contracts";
import type { BacktestResult, EquityPoint } from "./backtest.ts";
import { type RoundTrip, round, roundTrips } from "./trips.ts";

const YEAR_NS = 365n * 86_400_000_000_000n;

export interface BacktestMetrics {
  startingEquity: string;
  endingEquity: string;
  /** endingEquity - startingEquity; equals realized + unrealized - fees. */
  netPnl: string;
  realizedPnl: string;
  unrealizedPnl: string;
  fees: string;
  returnPct: number;
  /** Holding the instrument from the first price to the last, no fees: what the strategy is measured against. */
  buyAndHoldPct: number | null;
  /** Largest fall from a running peak, in money. */
  maxDrawdown: string;
  /** Largest (peak - trough) / peak, in percent; may be another episode than the largest fall in money. */
  maxDrawdownPct: number;
  /** Return periods per year the ratios are annualized with, and how that number was found. */
  periodsPerYear: number;
  annualization: string;
  /** Compound annual growth over the run, in percent. */
  cagrPct: number | null;
  /** mean / sample stddev of per-period equity returns x sqrt(periodsPerYear); no risk-free rate. */
  sharpe: number | null;
  /** mean / downside deviation (returns below 0, over all periods) x sqrt(periodsPerYear). */
  sortino: number | null;
  /** CAGR / max drawdown (both fractions). */
  calmar: number | null;
  /** Share of the events at whose end a position was held, in percent. */
  exposurePct: number;
  orders: number;
  rejected: number;
  fills: number;
  /** Closed round trips (flat to flat, or to a flip), and the share of them that made money net of fees. */
  roundTrips: number;
  winRate: number;
  /** Mean net P&L of a closed round trip; null when none closed. */
  averageTripPnl: string | null;
  finalPosition: string;
}

export function computeMetrics(result: BacktestResult): BacktestMetrics {
  const book = result.runner.pnl;
  const end = result.equity.at(-1)?.equity ?? result.startingCash;
  const drawdown = maxDrawdown(result.startingCash, result.equity);
  const trips = tripsOf(result);
  const closed = trips.filter((t) => !t.open);
  const wins = closed.filter((t) => fx.toFixed(t.pnl) > 0n).length;
  const ratios = riskRatios(result.startingCash, result.equity, result.periodsPerYear, drawdown.pct);
  const held = result.equity.filter((p) => p.position !== 0n).length;
  const first = result.firstPrice === null ? 0 : fx.toNumber(fx.toFixed(result.firstPrice));
  const last = result.lastPrice === null ? 0 : fx.toNumber(fx.toFixed(result.lastPrice));
  return {
    startingEquity: fx.fromFixed(result.startingCash),
    endingEquity: fx.fromFixed(end),
    netPnl: fx.fromFixed(end - result.startingCash),
    realizedPnl: fx.fromFixed(book.realized),
    unrealizedPnl: fx.fromFixed(book.unrealized()),
    fees: fx.fromFixed(book.fees),
    returnPct: round((fx.toNumber(end - result.startingCash) / fx.toNumber(result.startingCash)) * 100, 4),
    buyAndHoldPct: first > 0 ? round((last / first - 1) * 100, 4) : null,
    maxDrawdown: fx.fromFixed(drawdown.amount),
    maxDrawdownPct: round(drawdown.pct * 100, 4),
    periodsPerYear: ratios.periodsPerYear,
    annualization: ratios.how,
    cagrPct: ratios.cagr === null ? null : round(ratios.cagr * 100, 4),
    sharpe: ratios.sharpe === null ? null : round(ratios.sharpe, 4),
    sortino: ratios.sortino === null ? null : round(ratios.sortino, 4),
    calmar: ratios.calmar === null ? null : round(ratios.calmar, 4),
    exposurePct: result.equity.length === 0 ? 0 : round((held / result.equity.length) * 100, 4),
    orders: result.orders.length,
    rejected: result.orders.filter((o) => o.status === "REJECTED").length,
    fills: result.fills.length,
    roundTrips: closed.length,
    winRate: closed.length === 0 ? 0 : round(wins / closed.length, 4),
    averageTripPnl:
      closed.length === 0
        ? null
        : fx.fromFixed(closed.reduce((sum, t) => sum + fx.toFixed(t.pnl), 0n) / BigInt(closed.length)),
    finalPosition: fx.fromFixed(book.position),
  };
}

/** The run's round trips, an open one marked at the last price. */
export function tripsOf(result: BacktestResult): RoundTrip[] {
  return roundTrips(result.fills, result.lastPrice === null ? null : fx.toFixed(result.lastPrice));
}

/**
 * The largest fall from a running peak of equity (the start counts as the
 * first peak), in money and, on its own, as a share of the peak it fell
 * from: 100 -> 50 -> 1000 -> 900 is a fall of 100 but a drawdown of 50%.
 * A peak at or below zero has no meaningful share and is skipped for it.
 */
export function maxDrawdown(start: Fixed, points: readonly EquityPoint[]): { amount: Fixed; pct: number } {
  let peak = start;
  let amount = 0n;
  let pct = 0;
  for (const { equity } of points) {
    if (equity > peak) peak = equity;
    const fall = peak - equity;
    if (fall > amount) amount = fall;
    if (peak > 0n) {
      const share = fx.toNumber(fall) / fx.toNumber(peak);
      if (share > pct) pct = share;
    }
  }
  return { amount, pct };
}

export interface RiskRatios {
  periodsPerYear: number;
  how: string;
  cagr: number | null;
  sharpe: number | null;
  sortino: number | null;
  calmar: number | null;
}

/**
 * Sharpe, Sortino and Calmar over the per-event equity returns (the first
 * against the starting cash). `periodsPerYear` comes from the bar interval
 * and the market's hours; without one (ticks) the mean spacing of the events
 * over a 365-day year stands in. A ratio with a zero denominator is null.
 */
export function riskRatios(
  start: Fixed,
  points: readonly EquityPoint[],
  periodsPerYear: number | null,
  maxDrawdownFraction: number,
): RiskRatios {
  let perYear = periodsPerYear ?? 0;
  let how = `${periodsPerYear} bars per year`;
  if (periodsPerYear === null) {
    const first = points[0];
    const last = points.at(-1);
    const spacing = first && last && points.length > 1 ? (last.ts - first.ts) / BigInt(points.length - 1) : 0n;
    perYear = spacing > 0n ? Number(YEAR_NS / spacing) : 0;
    how = `${perYear} events per year (mean event spacing over 365 days)`;
  }
  const none = { periodsPerYear: perYear, how, cagr: null, sharpe: null, sortino: null, calmar: null };
  if (points.length < 2 || perYear <= 0) return none;
  const returns: number[] = [];
  let previous = fx.toNumber(start);
  for (const { equity } of points) {
    const value = fx.toNumber(equity);
    returns.push(previous === 0 ? 0 : value / previous - 1);
    previous = value;
  }
  const n = returns.length;
  const mean = returns.reduce((a, b) => a + b, 0) / n;
  const variance = returns.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  const downside = returns.reduce((a, r) => a + Math.min(0, r) ** 2, 0) / n;
  const growth = fx.toNumber(points.at(-1)?.equity ?? start) / fx.toNumber(start);
  const cagr = growth > 0 ? growth ** (perYear / n) - 1 : null;
  return {
    periodsPerYear: perYear,
    how,
    cagr,
    sharpe: variance > 0 ? (mean / Math.sqrt(variance)) * Math.sqrt(perYear) : null,
    sortino: downside > 0 ? (mean / Math.sqrt(downside)) * Math.sqrt(perYear) : null,
    calmar: cagr !== null && maxDrawdownFraction > 0 ? cagr / maxDrawdownFraction : null,
  };
}
