/** `just optimize`'s text: the rows as a table and CSV, and a heatmap of two parameters. */
import {
  type OptimizationHeatmap,
  type OptimizationResult,
  optimizationHeatmap,
  type SegmentMetrics,
} from "@jts/contracts";

const show = (value: number | null | undefined) => (value === null || value === undefined ? "n/a" : String(value));

/** The best `top` rows: rank, parameters, the objective in and out of sample, return and drawdown of each, fills. */
export function rowsTable(result: OptimizationResult, top: number): string {
  const hasOos = result.rows.some((r) => r.outOfSample !== null);
  const header = ["#", ...result.ranged, `IS ${result.objective}`];
  if (hasOos) header.push(`OOS ${result.objective}`);
  header.push("IS return%", "IS maxDD%");
  if (hasOos) header.push("OOS return%", "OOS maxDD%");
  header.push("IS fills");
  const lines = result.rows.slice(0, top).map((row, i) => {
    const cells = [String(i + 1), ...result.ranged.map((name) => String(row.params[name])), show(row.score)];
    if (hasOos) cells.push(show(row.outOfSampleScore));
    cells.push(show(row.inSample.returnPct), show(row.inSample.maxDrawdownPct));
    if (hasOos) cells.push(show(row.outOfSample?.returnPct), show(row.outOfSample?.maxDrawdownPct));
    cells.push(String(row.inSample.fills));
    return cells;
  });
  const table = [header, ...lines];
  const widths = header.map((_, c) => Math.max(...table.map((line) => (line[c] as string).length)));
  const text = table.map((line) => line.map((cell, c) => cell.padStart(widths[c] as number)).join("  "));
  const more = result.rows.length > top ? `\n(${result.rows.length - top} more rows in rows.csv)` : "";
  return `${text.join("\n")}${more}`;
}

const METRICS: Array<keyof SegmentMetrics> = [
  "netPnl",
  "returnPct",
  "maxDrawdownPct",
  "sharpe",
  "sortino",
  "calmar",
  "fills",
];

/** Every row: the ranged parameters, then each metric in sample and out of sample. */
export function rowsCsv(result: OptimizationResult): string {
  const header = [...result.ranged, ...METRICS.map((m) => `is_${m}`), ...METRICS.map((m) => `oos_${m}`)];
  const cell = (value: unknown) => (value === null || value === undefined ? "" : String(value));
  const lines = result.rows.map((row) =>
    [
      ...result.ranged.map((name) => cell(row.params[name])),
      ...METRICS.map((m) => cell(row.inSample[m])),
      ...METRICS.map((m) => cell(row.outOfSample?.[m])),
    ].join(","),
  );
  return `${[header.join(","), ...lines].join("\n")}\n`;
}

export const heatmapCells = (result: OptimizationResult, x: string, y: string): OptimizationHeatmap =>
  optimizationHeatmap(result, x, y);

/** The heatmap as text: y down, x across, each cell's score. */
export function heatmapText(map: OptimizationHeatmap): string {
  const labels = map.yValues.map(String);
  const cells = map.cells.map((line) => line.map((v) => (v === null ? "." : String(v))));
  const width = Math.max(...map.xValues.map((v) => String(v).length), ...cells.flat().map((c) => c.length));
  const left = Math.max(map.y.length, ...labels.map((l) => l.length));
  const head = `${map.y.padStart(left)} \\ ${map.x}`;
  const axis = `${"".padStart(left)}   ${map.xValues.map((v) => String(v).padStart(width)).join(" ")}`;
  const body = cells.map(
    (line, j) => `${(labels[j] as string).padStart(left)}   ${line.map((c) => c.padStart(width)).join(" ")}`,
  );
  return [head, axis, ...body].join("\n");
}
