import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fx } from "@jts/contracts";
import type { BacktestResult, EquityPoint } from "./backtest.ts";
import type { BacktestMetrics } from "./metrics.ts";

const isoOf = (ns: bigint | string) => new Date(Number(BigInt(ns) / 1_000_000n)).toISOString();

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
  const lines = [
    `Backtest: ${s.kind} ${s.symbol} (${s.timeframe ?? "tick"}) params ${JSON.stringify(s.params)}`,
    `Data: ${source}, ${result.events} events${first && last ? `, ${isoOf(first.ts)} .. ${isoOf(last.ts)}` : ""}`,
    "",
    `  starting equity   ${metrics.startingEquity}`,
    `  ending equity     ${metrics.endingEquity}`,
    `  net P&L           ${metrics.netPnl} (${metrics.returnPct}%)`,
    `    realized        ${metrics.realizedPnl}`,
    `    unrealized      ${metrics.unrealizedPnl}`,
    `    fees            ${metrics.fees}`,
    `  max drawdown      ${metrics.maxDrawdown} (${metrics.maxDrawdownPct}%)`,
    `  Sharpe (annual)   ${metrics.sharpe}`,
    `  orders            ${metrics.orders} (${metrics.rejected} rejected), fills ${metrics.fills}`,
    `  closing trades    ${metrics.closingTrades}, win rate ${(metrics.winRate * 100).toFixed(1)}%`,
    `  final position    ${metrics.finalPosition}`,
    "",
    "Trades:",
    ...result.fills
      .slice(0, 20)
      .map((f) => `  ${isoOf(f.tsEvent)} ${f.side.padEnd(4)} ${f.quantity} @ ${f.price} fee ${f.fee}`),
    ...(result.fills.length > 20 ? [`  ... ${result.fills.length - 20} more in trades.csv`] : []),
    "",
    "Equity:",
    asciiChart(result.equity),
  ];
  return `${lines.join("\n")}\n`;
}

/** report.txt, report.json, trades.csv and equity.svg in `dir`. */
export async function writeReport(
  dir: string,
  result: BacktestResult,
  metrics: BacktestMetrics,
  text: string,
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files = {
    "report.txt": text,
    "report.json": `${JSON.stringify(
      {
        strategy: result.strategy,
        metrics,
        orders: result.orders,
        fills: result.fills,
        equity: result.equity.map((p) => ({ ts: String(p.ts), equity: fx.fromFixed(p.equity) })),
      },
      null,
      2,
    )}\n`,
    "trades.csv": `ts,side,quantity,price,fee,order\n${result.fills.map((f) => [f.tsEvent, f.side, f.quantity, f.price, f.fee, f.clientOrderId].join(",")).join("\n")}\n`,
    "equity.svg": equitySvg(result.equity, `${result.strategy.kind} ${result.strategy.symbol} equity`),
  };
  for (const [name, body] of Object.entries(files)) await writeFile(join(dir, name), body);
  return Object.keys(files).map((name) => join(dir, name));
}

function sampleTo(points: readonly EquityPoint[], count: number): EquityPoint[] {
  if (points.length <= count) return [...points];
  return Array.from(
    { length: count },
    (_, i) => points[Math.floor((i * (points.length - 1)) / (count - 1))] as EquityPoint,
  );
}
