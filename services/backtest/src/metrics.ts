import { type Fixed, fx } from "@jts/contracts";
import type { BacktestResult, EquityPoint } from "./backtest.ts";

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
  maxDrawdown: string;
  maxDrawdownPct: number;
  /** Annualized: mean / stddev of per-event equity returns x sqrt(events per year), no risk-free rate. */
  sharpe: number;
  orders: number;
  rejected: number;
  fills: number;
  /** Fills that closed some position, and the share of them that made money. */
  closingTrades: number;
  winRate: number;
  finalPosition: string;
}

export function computeMetrics(result: BacktestResult): BacktestMetrics {
  const book = result.runner.pnl;
  const end = result.equity.at(-1)?.equity ?? result.startingCash;
  const drawdown = maxDrawdown(result.startingCash, result.equity);
  return {
    startingEquity: fx.fromFixed(result.startingCash),
    endingEquity: fx.fromFixed(end),
    netPnl: fx.fromFixed(end - result.startingCash),
    realizedPnl: fx.fromFixed(book.realized),
    unrealizedPnl: fx.fromFixed(book.unrealized()),
    fees: fx.fromFixed(book.fees),
    returnPct: round((fx.toNumber(end - result.startingCash) / fx.toNumber(result.startingCash)) * 100, 4),
    maxDrawdown: fx.fromFixed(drawdown.amount),
    maxDrawdownPct: round(drawdown.pct * 100, 4),
    sharpe: round(sharpe(result.startingCash, result.equity), 4),
    orders: result.orders.length,
    rejected: result.orders.filter((o) => o.status === "REJECTED").length,
    fills: result.fills.length,
    closingTrades: book.closingFills,
    winRate: book.closingFills === 0 ? 0 : round(book.winningFills / book.closingFills, 4),
    finalPosition: fx.fromFixed(book.position),
  };
}

/** Largest fall from a running peak of equity (the start counts as the first peak). */
export function maxDrawdown(start: Fixed, points: readonly EquityPoint[]): { amount: Fixed; pct: number } {
  let peak = start;
  let amount = 0n;
  let pct = 0;
  for (const { equity } of points) {
    if (equity > peak) peak = equity;
    const fall = peak - equity;
    if (fall > amount) {
      amount = fall;
      pct = fx.toNumber(fall) / fx.toNumber(peak);
    }
  }
  return { amount, pct };
}

export function sharpe(start: Fixed, points: readonly EquityPoint[]): number {
  if (points.length < 3) return 0;
  const returns: number[] = [];
  let previous = fx.toNumber(start);
  for (const { equity } of points) {
    const value = fx.toNumber(equity);
    returns.push(previous === 0 ? 0 : value / previous - 1);
    previous = value;
  }
  const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
  const variance = returns.reduce((a, b) => a + (b - mean) ** 2, 0) / (returns.length - 1);
  if (variance === 0) return 0;
  const first = points[0] as EquityPoint;
  const last = points.at(-1) as EquityPoint;
  const spacing = (last.ts - first.ts) / BigInt(points.length - 1);
  const perYear = spacing > 0n ? Number(YEAR_NS / spacing) : 0;
  return (mean / Math.sqrt(variance)) * Math.sqrt(perYear);
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
