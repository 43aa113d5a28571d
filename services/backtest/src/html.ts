import { fx } from "@jts/contracts";
import type { BacktestResult } from "./backtest.ts";
import type { MarketEvent } from "./csv.ts";
import type { BacktestMetrics } from "./metrics.ts";
import type { RoundTrip } from "./trips.ts";

/** At most this many candles are drawn; longer runs are merged into buckets (open, high, low, close). */
const MAX_BARS = 1200;
const WIDTH = 1200;
const PRICE_HEIGHT = 420;
const EQUITY_HEIGHT = 200;
const PAD = { left: 110, right: 20, top: 16, bottom: 28 };

interface Bar {
  ts: bigint;
  open: number;
  high: number;
  low: number;
  close: number;
  equity: number;
}

const escapeHtml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const iso = (ns: bigint | string) => new Date(Number(BigInt(ns) / 1_000_000n)).toISOString().replace(".000Z", "Z");

/**
 * One self-contained HTML file: the metrics, the candles with every fill
 * marked (a green triangle under the bar for a buy, a red one over it for a
 * sell; hover for the details), the equity curve on the same time axis, and
 * the round trips. Inline SVG and CSS only: no script, nothing fetched.
 */
export function htmlReport(
  result: BacktestResult,
  metrics: BacktestMetrics,
  trips: readonly RoundTrip[],
  source: string,
): string {
  const bars = bucket(result);
  const s = result.strategy;
  const title = `${s.kind} ${s.symbol} (${s.timeframe ?? "tick"})`;
  const rows: Array<[string, string]> = [
    ["Data", `${source}, ${result.events} events`],
    ["Params", JSON.stringify(s.params)],
    ["Fill at", result.fillAt === "next-open" ? "next bar's open" : "bar's close"],
    ["Direction", result.direction],
    ["Net P&L", `${metrics.netPnl} (${metrics.returnPct}%)`],
    ["Buy and hold", metrics.buyAndHoldPct === null ? "n/a" : `${metrics.buyAndHoldPct}%`],
    ["Max drawdown", `${metrics.maxDrawdownPct}% (largest fall ${metrics.maxDrawdown})`],
    ["CAGR", metrics.cagrPct === null ? "n/a" : `${metrics.cagrPct}%`],
    ["Sharpe / Sortino / Calmar", [metrics.sharpe, metrics.sortino, metrics.calmar].map((v) => v ?? "n/a").join(" / ")],
    ["Annualized by", metrics.annualization],
    ["Exposure time", `${metrics.exposurePct}%`],
    ["Fees", metrics.fees],
    ["Orders", `${metrics.orders} (${metrics.rejected} rejected), ${metrics.fills} fills`],
    ["Round trips", `${metrics.roundTrips}, win rate ${(metrics.winRate * 100).toFixed(1)}% net of fees`],
    ...result.riskEvents.map((e): [string, string] => [`Risk ${e.state}`, `${iso(e.tsEvent)}: ${e.reason}`]),
  ];
  const tripRows = trips
    .map(
      (t) =>
        `<tr class="${fx.toFixed(t.pnl) > 0n ? "win" : "loss"}"><td>${t.side}</td><td>${iso(t.entryTs)}</td><td>${t.exitTs === null ? "open" : iso(t.exitTs)}</td><td>${t.quantity}</td><td>${t.entryPrice}</td><td>${t.exitPrice ?? "-"}</td><td>${t.fees}</td><td>${t.pnl}</td><td>${t.returnPct}%</td></tr>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Backtest ${escapeHtml(title)}</title>
<style>
body{font:14px system-ui,sans-serif;margin:24px;color:#1b1f24;background:#fff}
table{border-collapse:collapse;margin:8px 0 24px}td,th{padding:3px 10px;border-bottom:1px solid #e3e6ea;text-align:left}
th{background:#f5f7f9}tr.win td:nth-child(8){color:#1a7f37}tr.loss td:nth-child(8){color:#cf222e}
svg{display:block;max-width:100%;height:auto}
</style></head><body>
<h1>Backtest ${escapeHtml(title)}</h1>
<table>${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join("")}</table>
<h2>Price and trades</h2>
${priceSvg(bars, result)}
<h2>Equity</h2>
${equitySvgOf(bars)}
<h2>Round trips</h2>
<table><tr><th>Side</th><th>Entry</th><th>Exit</th><th>Quantity</th><th>Entry price</th><th>Exit price</th><th>Fees</th><th>P&amp;L</th><th>Return</th></tr>
${tripRows}</table>
</body></html>
`;
}

/** The data as at most MAX_BARS bars, each with the equity at its end (equity[i] belongs to data[i]). */
function bucket(result: BacktestResult): Bar[] {
  const data = result.data;
  const per = Math.max(1, Math.ceil(data.length / MAX_BARS));
  const bars: Bar[] = [];
  for (let start = 0; start < data.length; start += per) {
    const slice = data.slice(start, start + per);
    const ohlc = slice.map(ohlcOf);
    const end = result.equity[Math.min(start + per, data.length) - 1];
    bars.push({
      ts: timeOf(slice[0] as MarketEvent),
      open: (ohlc[0] as number[])[0] as number,
      high: Math.max(...ohlc.map((o) => o[1] as number)),
      low: Math.min(...ohlc.map((o) => o[2] as number)),
      close: (ohlc.at(-1) as number[])[3] as number,
      equity: end ? fx.toNumber(end.equity) : 0,
    });
  }
  return bars;
}

function ohlcOf(event: MarketEvent): number[] {
  const n = (v: string) => fx.toNumber(fx.toFixed(v));
  if (event.kind === "tick") return Array(4).fill(n(event.tick.price));
  const c = event.candle;
  return [n(c.open), n(c.high), n(c.low), n(c.close)];
}

function timeOf(event: MarketEvent): bigint {
  return BigInt(event.kind === "tick" ? event.tick.tsEvent : event.candle.tsOpen);
}

function scale(lo: number, hi: number, height: number) {
  const span = hi - lo || 1;
  return (v: number) => PAD.top + (1 - (v - lo) / span) * (height - PAD.top - PAD.bottom);
}

function xOf(count: number) {
  const step = (WIDTH - PAD.left - PAD.right) / Math.max(1, count);
  return { step, at: (i: number) => PAD.left + (i + 0.5) * step };
}

function axis(lo: number, hi: number, height: number, bars: readonly Bar[]): string {
  const y = scale(lo, hi, height);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => lo + (hi - lo) * f);
  const labels = ticks
    .map(
      (v) =>
        `<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#eef0f2"/><text x="${PAD.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v.toLocaleString("en-US", { maximumFractionDigits: Math.abs(hi) >= 1000 ? 0 : 4 })}</text>`,
    )
    .join("");
  const first = bars[0];
  const last = bars.at(-1);
  const dates =
    first && last
      ? `<text x="${PAD.left}" y="${height - 8}">${iso(first.ts)}</text><text x="${WIDTH - PAD.right}" y="${height - 8}" text-anchor="end">${iso(last.ts)}</text>`
      : "";
  return labels + dates;
}

function priceSvg(bars: readonly Bar[], result: BacktestResult): string {
  if (bars.length === 0) return "<p>No data.</p>";
  const lo = Math.min(...bars.map((b) => b.low));
  const hi = Math.max(...bars.map((b) => b.high));
  const pad = (hi - lo) * 0.04;
  const y = scale(lo - pad, hi + pad, PRICE_HEIGHT);
  const { step, at } = xOf(bars.length);
  const body = Math.max(1, step * 0.7);
  const candles = bars
    .map((b, i) => {
      const x = at(i);
      const up = b.close >= b.open;
      const color = up ? "#1a7f37" : "#cf222e";
      const top = y(Math.max(b.open, b.close));
      const height = Math.max(1, y(Math.min(b.open, b.close)) - top);
      return `<g><title>${iso(b.ts)} O ${b.open} H ${b.high} L ${b.low} C ${b.close}</title><line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${y(b.high).toFixed(1)}" y2="${y(b.low).toFixed(1)}" stroke="${color}"/><rect x="${(x - body / 2).toFixed(1)}" y="${top.toFixed(1)}" width="${body.toFixed(1)}" height="${height.toFixed(1)}" fill="${color}"/></g>`;
    })
    .join("");
  // A fill on a bar's close happens at the next bar's open time: draw it on the bar it closed.
  const closeFill = result.fillAt === "close" && result.data[0]?.kind === "candle" ? 1n : 0n;
  const markers = result.fills
    .map((f) => {
      const i = barIndex(bars, BigInt(f.tsEvent) - closeFill);
      const bar = bars[i] as Bar;
      const x = at(i);
      const buy = f.side === "BUY";
      const tip = y(buy ? bar.low : bar.high) + (buy ? 4 : -4);
      const d = buy ? 9 : -9;
      return `<path d="M${x.toFixed(1)},${tip.toFixed(1)} l-5,${d} h10 z" fill="${buy ? "#0969da" : "#bf3989"}"><title>${iso(f.tsEvent)} ${f.side} ${f.quantity} @ ${f.price} fee ${f.fee}</title></path>`;
    })
    .join("");
  return svg(PRICE_HEIGHT, axis(lo - pad, hi + pad, PRICE_HEIGHT, bars) + candles + markers, "price with trades");
}

function equitySvgOf(bars: readonly Bar[]): string {
  if (bars.length === 0) return "<p>No data.</p>";
  const values = bars.map((b) => b.equity);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const y = scale(lo, hi, EQUITY_HEIGHT);
  const { at } = xOf(bars.length);
  const points = values.map((v, i) => `${at(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
  return svg(
    EQUITY_HEIGHT,
    `${axis(lo, hi, EQUITY_HEIGHT, bars)}<polyline fill="none" stroke="#0969da" stroke-width="1.5" points="${points}"/>`,
    "equity curve",
  );
}

function svg(height: number, content: string, label: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" font-size="11" font-family="system-ui,sans-serif" role="img" aria-label="${label}">${content}</svg>`;
}

/** The bar a time falls in: the last one starting at or before it. */
function barIndex(bars: readonly Bar[], ts: bigint): number {
  let lo = 0;
  let hi = bars.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((bars[mid] as Bar).ts <= ts) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
