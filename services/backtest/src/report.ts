import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fx, type Instrument } from "@jts/contracts";
import type { BacktestResult, EquityPoint } from "./backtest.ts";
import { htmlReport } from "./html.ts";
import { type BacktestMetrics, tripsOf } from "./metrics.ts";
import type { Sizing } from "./sizing.ts";
import type { RoundTrip } from "./trips.ts";

export const isoOf = (ns: bigint | string) => new Date(Number(BigInt(ns) / 1_000_000n)).toISOString();

/** Equity as rows of text, so a terminal shows the curve without opening a file. */
export function asciiChart(points: readonly EquityPoint[], width = 64, height = 12): string {
  if (points.length === 0) return "(no equity points)";
  const values = sampleTo(points, width).map((p) => fx.toNumber(p.equity));
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const span = hi - lo || 1;
  const rows: string[] = [];
  for (let row = height - 1; row >= 0; row--) {
    const level = lo + (span * row) / (height - 1);
    const line = values.map((v) => (Math.round(((v - lo) / span) * (height - 1)) === row ? "*" : " ")).join("");
    rows.push(`${level.toFixed(0).padStart(14)} |${line}`);
  }
  rows.push(`${" ".repeat(15)}+${"-".repeat(values.length)}`);
  return rows.join("\n");
}

/** A standalone SVG of the equity curve with its range and dates. */
export function equitySvg(points: readonly EquityPoint[], title: string): string {
  const width = 800;
  const height = 300;
  const pad = 40;
  const sampled = sampleTo(points, 800);
  const values = sampled.map((p) => fx.toNumber(p.equity));
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const span = hi - lo || 1;
  const path = values
    .map((v, i) => {
      const x = pad + (i / Math.max(1, values.length - 1)) * (width - 2 * pad);
      const y = height - pad - ((v - lo) / span) * (height - 2 * pad);
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(" ");
  const first = sampled[0];
  const last = sampled.at(-1);
  const escapeXml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="white"/>
<text x="${pad}" y="20" font-size="14">${escapeXml(title)}</text>
<text x="4" y="${pad}">${hi.toFixed(0)}</text>
<text x="4" y="${height - pad}">${lo.toFixed(0)}</text>
${first && last ? `<text x="${pad}" y="${height - 10}">${isoOf(first.ts)}</text><text x="${width - pad}" y="${height - 10}" text-anchor="end">${isoOf(last.ts)}</text>` : ""}
<polyline fill="none" stroke="#1f6feb" stroke-width="1.5" points="${path}"/>
</svg>
`;
}

export function formatReport(result: BacktestResult, metrics: BacktestMetrics, source: string): string {
  const s = result.strategy;
  const first = result.equity[0];
  const last = result.equity.at(-1);
  const trips = tripsOf(result);
  const ratio = (value: number | null) => (value === null ? "n/a" : String(value));
  const lines = [
    `Backtest: ${s.kind} ${s.symbol} (${s.timeframe ?? "tick"}) params ${JSON.stringify(s.params)}`,
    `Data: ${source}, ${result.events} events${first && last ? `, ${isoOf(first.ts)} .. ${isoOf(last.ts)}` : ""}`,
    `Run: fill at ${result.fillAt === "next-open" ? "the next bar's open" : "the bar's close"}, sizing ${sizingText(result.sizing)}, ${result.direction}, ${result.sessions} sessions`,
    `Instrument: ${instrumentText(result.instrument)}`,
    "",
    `  starting equity   ${metrics.startingEquity}`,
    `  ending equity     ${metrics.endingEquity}`,
    `  net P&L           ${metrics.netPnl} (${metrics.returnPct}%)`,
    `    realized        ${metrics.realizedPnl}`,
    `    unrealized      ${metrics.unrealizedPnl}`,
    `    fees            ${metrics.fees}`,
    `  buy and hold      ${metrics.buyAndHoldPct === null ? "n/a" : `${metrics.buyAndHoldPct}%`}`,
    `  max drawdown      ${metrics.maxDrawdownPct}% (largest fall ${metrics.maxDrawdown})`,
    `  CAGR              ${metrics.cagrPct === null ? "n/a" : `${metrics.cagrPct}%`}`,
    `  Sharpe            ${ratio(metrics.sharpe)}`,
    `  Sortino           ${ratio(metrics.sortino)}`,
    `  Calmar            ${ratio(metrics.calmar)}`,
    `    annualized by   ${metrics.annualization}`,
    `  exposure time     ${metrics.exposurePct}%`,
    `  orders            ${metrics.orders} (${metrics.rejected} rejected), fills ${metrics.fills}`,
    `  round trips       ${metrics.roundTrips}, win rate ${(metrics.winRate * 100).toFixed(1)}% net of fees, average ${metrics.averageTripPnl ?? "n/a"}`,
    `  final position    ${metrics.finalPosition}`,
    ...rejections(result),
    ...result.riskEvents.map((e) => `  risk ${e.state} at ${isoOf(e.tsEvent)}: ${e.reason}`),
    "",
    "Trades: round trips, P&L net of fees",
    ...trips.slice(0, 20).map(tripLine),
    ...(trips.length > 20 ? [`  ... ${trips.length - 20} more in round-trips.csv`] : []),
    "",
    "Equity:",
    asciiChart(result.equity),
  ];
  return `${lines.join("\n")}\n`;
}

function tripLine(t: RoundTrip): string {
  const exit = t.exitTs === null ? "open".padEnd(24) : isoOf(t.exitTs);
  return `  ${t.side.padEnd(5)} ${isoOf(t.entryTs)} -> ${exit} ${t.quantity} @ ${t.entryPrice} -> ${t.exitPrice ?? "-"}  P&L ${t.pnl} (${t.returnPct}%)${t.open ? " marked" : ""}`;
}

/** Why orders were refused, counted by rule, so a run of refusals explains itself. */
function rejections(result: BacktestResult): string[] {
  const counts = new Map<string, number>();
  for (const o of result.orders)
    if (o.status === "REJECTED") {
      const rule = (o.reason ?? "unknown").split(":")[0] as string;
      counts.set(rule, (counts.get(rule) ?? 0) + 1);
    }
  const first = (rule: string) => result.orders.find((o) => o.reason?.startsWith(rule))?.reason ?? "";
  return [...counts].map(([rule, n]) => `    rejected ${n}x ${first(rule)}`);
}

export function sizingText(sizing: Sizing): string {
  switch (sizing.mode) {
    case "params":
      return "by the strategy's quantity";
    case "quantity":
      return `fixed quantity ${sizing.quantity}`;
    case "notional":
      return `fixed notional ${sizing.notional}`;
    case "equity":
      return `${sizing.percent}% of equity`;
  }
}

function instrumentText(i: Instrument): string {
  return `${i.symbol} ${i.kind} in ${i.quote}, tick ${i.tickSize}, lot ${i.lotSize}, fees maker ${i.makerFee} taker ${i.takerFee}`;
}

/** report.txt, report.json, trades.csv, round-trips.csv, equity.svg and report.html in `dir`. */
export async function writeReport(
  dir: string,
  result: BacktestResult,
  metrics: BacktestMetrics,
  text: string,
  source = "",
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const trips = tripsOf(result);
  const files = {
    "report.txt": text,
    "report.json": `${JSON.stringify(
      {
        strategy: result.strategy,
        instrument: result.instrument,
        run: { fillAt: result.fillAt, sizing: result.sizing, direction: result.direction, sessions: result.sessions },
        metrics,
        roundTrips: trips,
        riskEvents: result.riskEvents,
        orders: result.orders,
        fills: result.fills,
        equity: result.equity.map((p) => ({
          ts: String(p.ts),
          equity: fx.fromFixed(p.equity),
          position: fx.fromFixed(p.position),
        })),
      },
      null,
      2,
    )}\n`,
    "trades.csv": `ts,side,quantity,price,fee,order\n${result.fills.map((f) => [f.tsEvent, f.side, f.quantity, f.price, f.fee, f.clientOrderId].join(",")).join("\n")}\n`,
    "round-trips.csv": tripsCsv(trips),
    "equity.svg": equitySvg(result.equity, `${result.strategy.kind} ${result.strategy.symbol} equity`),
    "report.html": htmlReport(result, metrics, trips, source),
  };
  for (const [name, body] of Object.entries(files)) await writeFile(join(dir, name), body);
  return Object.keys(files).map((name) => join(dir, name));
}

function tripsCsv(trips: readonly RoundTrip[]): string {
  const header = "side,entry_ts,exit_ts,quantity,entry_price,exit_price,fees,pnl,return_pct,fills,open";
  const rows = trips.map((t) =>
    [
      t.side,
      t.entryTs,
      t.exitTs ?? "",
      t.quantity,
      t.entryPrice,
      t.exitPrice ?? "",
      t.fees,
      t.pnl,
      t.returnPct,
      t.fills,
      t.open,
    ].join(","),
  );
  return `${[header, ...rows].join("\n")}\n`;
}

function sampleTo(points: readonly EquityPoint[], count: number): EquityPoint[] {
  if (points.length <= count) return [...points];
  return Array.from(
    { length: count },
    (_, i) => points[Math.floor((i * (points.length - 1)) / (count - 1))] as EquityPoint,
  );
}
