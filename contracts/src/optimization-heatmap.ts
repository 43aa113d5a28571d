import type { OptimizationObjective, OptimizationResult } from "./optimizations.ts";

type Value = number | string | boolean;

/** A heatmap of two ranged parameters: the axes' values in order, and each cell's best score (null: none tried or no score). */
export interface OptimizationHeatmap {
  x: string;
  y: string;
  xValues: Value[];
  yValues: Value[];
  /** cells[yIndex][xIndex]. */
  cells: Array<Array<number | null>>;
  /** Lowest and highest score over the cells (null when no cell has one). */
  range: [number, number] | null;
}

const lowerIsBetter = (objective: OptimizationObjective) => objective === "maxDrawdownPct";

/**
 * The in-sample (or out-of-sample) score of every (x, y) pair, the best over
 * the other ranged parameters: what `just optimize` prints and the PWA draws.
 */
export function optimizationHeatmap(
  result: Pick<OptimizationResult, "rows" | "objective">,
  x: string,
  y: string,
  sample: "inSample" | "outOfSample" = "inSample",
): OptimizationHeatmap {
  const sorted = (values: Value[]) =>
    [...new Map(values.map((v) => [String(v), v])).values()].sort((a, b) =>
      typeof a === "number" && typeof b === "number"
        ? a - b
        : String(a).localeCompare(String(b), "en", { numeric: true }),
    );
  const xValues = sorted(result.rows.map((r) => r.params[x]).filter((v): v is Value => v !== undefined));
  const yValues = sorted(result.rows.map((r) => r.params[y]).filter((v): v is Value => v !== undefined));
  const xIndex = new Map(xValues.map((v, i) => [String(v), i]));
  const yIndex = new Map(yValues.map((v, i) => [String(v), i]));
  const cells: Array<Array<number | null>> = yValues.map(() => xValues.map(() => null));
  const better = (a: number, b: number) => (lowerIsBetter(result.objective) ? a < b : a > b);
  let range: [number, number] | null = null;
  for (const row of result.rows) {
    const score = sample === "inSample" ? row.score : row.outOfSampleScore;
    const i = xIndex.get(String(row.params[x]));
    const j = yIndex.get(String(row.params[y]));
    if (score === null || i === undefined || j === undefined) continue;
    const line = cells[j] as Array<number | null>;
    const current = line[i] ?? null;
    if (current === null || better(score, current)) line[i] = score;
    range = range ? [Math.min(range[0], score), Math.max(range[1], score)] : [score, score];
  }
  return { x, y, xValues, yValues, cells, range };
}
