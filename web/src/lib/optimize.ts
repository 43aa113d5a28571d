/**
 * The Optimize screen's pure parts: a parameter's text as a fixed value or a
 * range (the syntax of `just optimize --range`), and the rows sorted by a column.
 */
import type { OptimizationObjective, OptimizationRow, ParamRange, StrategyParams } from "@jts/contracts";
import type { ParamField } from "./param-schema.ts";

export type ParamText = { fixed: StrategyParams[string] } | { range: ParamRange } | { empty: true } | { error: string };

/** `5` fixed, `5:20:5` a span, `5,10,15` a list; typed as the field is (the server checks the schema). */
export function readParamText(field: Pick<ParamField, "name" | "type">, text: string): ParamText {
  const trimmed = text.trim();
  if (trimmed === "") return { empty: true };
  const typed = (value: string): StrategyParams[string] => {
    if (field.type === "boolean") return value === "true";
    if (field.type === "integer" || field.type === "number") {
      const number = Number(value);
      return value !== "" && Number.isFinite(number) ? number : value;
    }
    return value;
  };
  if (trimmed.includes(":")) {
    const parts = trimmed.split(":").map((p) => p.trim());
    const numbers = parts.map(Number);
    if (parts.length !== 3 || parts.some((p) => p === "") || numbers.some((n) => !Number.isFinite(n)))
      return { error: field.name };
    const [min, max, step] = numbers as [number, number, number];
    return { range: { min, max, step } };
  }
  if (trimmed.includes(",")) return { range: { values: trimmed.split(",").map((v) => typed(v.trim())) } };
  return { fixed: typed(trimmed) };
}

export type SortKey =
  | { param: string }
  | { metric: "score" | "outOfSampleScore" | "isReturn" | "oosReturn" | "isDrawdown" | "oosDrawdown" | "fills" };

const metricOf = (row: OptimizationRow, key: SortKey): number | string | boolean | null => {
  if ("param" in key) return row.params[key.param] ?? null;
  switch (key.metric) {
    case "score":
      return row.score;
    case "outOfSampleScore":
      return row.outOfSampleScore;
    case "isReturn":
      return row.inSample.returnPct;
    case "oosReturn":
      return row.outOfSample?.returnPct ?? null;
    case "isDrawdown":
      return row.inSample.maxDrawdownPct;
    case "oosDrawdown":
      return row.outOfSample?.maxDrawdownPct ?? null;
    case "fills":
      return row.inSample.fills;
  }
};

/** Whether "best first" on this column means descending: scores by the objective's direction, drawdowns ascending. */
export function bestFirstDescending(key: SortKey, objective: OptimizationObjective): boolean {
  if ("param" in key) return false;
  if (key.metric === "score" || key.metric === "outOfSampleScore") return objective !== "maxDrawdownPct";
  return !(key.metric === "isDrawdown" || key.metric === "oosDrawdown");
}

/** The rows sorted by `key`; a missing value always last; ties keep the server's order (best in-sample first). */
export function sortRows(rows: readonly OptimizationRow[], key: SortKey, descending: boolean): OptimizationRow[] {
  return rows
    .map((row, i) => ({ row, i, value: metricOf(row, key) }))
    .sort((a, b) => {
      if (a.value === null || b.value === null) return a.value === null ? (b.value === null ? a.i - b.i : 1) : -1;
      const order =
        typeof a.value === "number" && typeof b.value === "number"
          ? a.value - b.value
          : String(a.value).localeCompare(String(b.value), "en", { numeric: true });
      return (descending ? -order : order) || a.i - b.i;
    })
    .map((entry) => entry.row);
}
