/**
 * The combinations an optimization tries: each ranged parameter's values
 * (checked against the kind's parameter schema one by one), then every
 * combination of them (grid) or a seeded sample of distinct ones (random).
 * Everything here is refused with an OptimizationError before a backtest runs.
 */
import { OPTIMIZATION_MAX_COMBINATIONS, type ParamRange, type StrategyKind, type StrategyParams } from "@jts/contracts";
import { kindOf, paramProblems } from "@jts/strategy-engine";
import { seededRandom } from "../sample.ts";

/** A request that cannot run as asked (bad range, unknown parameter, too much work): the CLI exits 2, the gateway answers 422. */
export class OptimizationError extends Error {}

export type ParamValue = StrategyParams[string];

/** Digits a span value is rounded to, so 0.1 + 0.2 is 0.3 (a step below 1e-9 is refused). */
const DIGITS = 9;

/**
 * The values of one range, typed as the schema's property is: a decimal
 * (text) property gets 0.1 as "0.1", a numeric one "5" as 5; the schema then
 * refuses what still does not fit.
 */
export function rangeValues(name: string, range: ParamRange, propertyType: string | undefined): ParamValue[] {
  if ("values" in range) return range.values.map((value) => typed(value, propertyType));
  const { min, max, step } = range;
  const where = `${name} {min ${min}, max ${max}, step ${step}}`;
  if (![min, max, step].every(Number.isFinite))
    throw new OptimizationError(`${where}: min, max and step must be numbers`);
  if (min > max) throw new OptimizationError(`${where}: min is above max`);
  if (step <= 0) throw new OptimizationError(`${where}: step must be greater than zero`);
  if (step < 10 ** -DIGITS) throw new OptimizationError(`${where}: step is below ${10 ** -DIGITS}`);
  // The tolerance keeps max when (max - min) / step lands a hair under a whole number.
  const count = Math.floor((max - min) / step + 1e-9) + 1;
  if (count > OPTIMIZATION_MAX_COMBINATIONS)
    throw new OptimizationError(`${where}: ${count} values, more than ${OPTIMIZATION_MAX_COMBINATIONS} combinations`);
  return Array.from({ length: count }, (_, i) => {
    return typed(Number((min + i * step).toFixed(DIGITS)), propertyType);
  });
}

function typed(value: ParamValue, propertyType: string | undefined): ParamValue {
  if (propertyType === "string" && typeof value === "number") return String(value);
  if ((propertyType === "number" || propertyType === "integer") && typeof value === "string" && value.trim() !== "") {
    const number = Number(value);
    return Number.isFinite(number) ? number : value;
  }
  return value;
}

/**
 * Each ranged parameter's values, in the request's order. A parameter the kind
 * does not have, an empty or repeated list, or a value its schema refuses
 * (tried in `base` with the other parameters as given) is an OptimizationError.
 */
export function expandRanges(
  kind: StrategyKind,
  base: StrategyParams,
  ranges: Record<string, ParamRange>,
): Array<{ name: string; values: ParamValue[] }> {
  const properties = (kindOf(kind).params as { properties?: Record<string, PropertySchema> }).properties ?? {};
  const names = Object.keys(ranges);
  if (names.length === 0) throw new OptimizationError("no parameter is ranged: give at least one range");
  return names.map((name) => {
    // Own properties only: "constructor" or "toString" must not pass for a parameter.
    const property = Object.hasOwn(properties, name) ? properties[name] : undefined;
    if (!property)
      throw new OptimizationError(`${name} is not a ${kind} parameter (it has ${Object.keys(properties).join(", ")})`);
    const values = rangeValues(name, ranges[name] as ParamRange, propertyType(property));
    if (values.length === 0) throw new OptimizationError(`${name}: the list of values is empty`);
    if (new Set(values.map(String)).size !== values.length)
      throw new OptimizationError(`${name}: the list repeats a value`);
    for (const value of values) {
      const own = paramProblems(kind, { ...base, [name]: value }).filter((p) => p.startsWith(`${name}:`));
      if (own.length > 0) throw new OptimizationError(`${name} = ${JSON.stringify(value)}: ${own.join("; ")}`);
    }
    return { name, values };
  });
}

type PropertySchema = { type?: unknown; anyOf?: Array<{ type?: unknown }> };

/**
 * A property's JSON type. Elysia rewrites an integer or number schema it has
 * validated a route with into `anyOf: [{type: "string", format: ...}, {type: "integer"}]`
 * (its query coercion), and these schemas are shared with the strategy
 * engine's routes in one process: the numeric branch decides then.
 */
function propertyType(property: PropertySchema): string | undefined {
  if (typeof property.type === "string") return property.type;
  const numeric = property.anyOf?.find((b) => b.type === "integer" || b.type === "number");
  return typeof numeric?.type === "string" ? numeric.type : undefined;
}

/** How many combinations the full grid has. */
export function gridSize(axes: ReadonlyArray<{ values: readonly unknown[] }>): number {
  return axes.reduce((size, axis) => size * axis.values.length, 1);
}

/** The grid's combination at `index` (the last axis varies fastest). */
function combinationAt(axes: ReadonlyArray<{ name: string; values: ParamValue[] }>, index: number): StrategyParams {
  const combination: StrategyParams = {};
  let rest = index;
  for (let i = axes.length - 1; i >= 0; i--) {
    const axis = axes[i] as { name: string; values: ParamValue[] };
    combination[axis.name] = axis.values[rest % axis.values.length] as ParamValue;
    rest = Math.floor(rest / axis.values.length);
  }
  // The request's order, not the reversed one the loop built.
  return Object.fromEntries(axes.map((axis) => [axis.name, combination[axis.name] as ParamValue]));
}

/** Every combination, once each; refused beyond OPTIMIZATION_MAX_COMBINATIONS. */
export function gridCombinations(axes: ReadonlyArray<{ name: string; values: ParamValue[] }>): StrategyParams[] {
  const size = gridSize(axes);
  if (size > OPTIMIZATION_MAX_COMBINATIONS)
    throw new OptimizationError(
      `the grid has ${size} combinations, more than ${OPTIMIZATION_MAX_COMBINATIONS}: narrow the ranges, widen the steps or use random search`,
    );
  return Array.from({ length: size }, (_, i) => combinationAt(axes, i));
}

/**
 * `samples` distinct combinations drawn with a seeded generator, so the same
 * request draws the same ones; the whole grid (in its order) when it has no more.
 */
export function randomCombinations(
  axes: ReadonlyArray<{ name: string; values: ParamValue[] }>,
  samples: number,
  seed: number,
): StrategyParams[] {
  if (!Number.isInteger(samples) || samples < 1)
    throw new OptimizationError(`samples ${samples}: expected a whole number from 1`);
  if (samples > OPTIMIZATION_MAX_COMBINATIONS)
    throw new OptimizationError(`samples ${samples}: more than ${OPTIMIZATION_MAX_COMBINATIONS} combinations`);
  const size = gridSize(axes);
  if (size <= samples) return gridCombinations(axes);
  if (!Number.isSafeInteger(size)) throw new OptimizationError("the ranges span more combinations than can be counted");
  const random = seededRandom(seed);
  const chosen = new Set<number>();
  const order: number[] = [];
  // Rejection sampling: at most half the grid is drawn by the dense branch below, so few draws repeat here.
  if (samples * 2 < size) {
    while (order.length < samples) {
      const index = Math.floor(random() * size);
      if (chosen.has(index)) continue;
      chosen.add(index);
      order.push(index);
    }
  } else {
    // A partial Fisher-Yates shuffle of the indices: no retries when most of the grid is wanted.
    const indices = Array.from({ length: size }, (_, i) => i);
    for (let i = 0; i < samples; i++) {
      const j = i + Math.floor(random() * (size - i));
      [indices[i], indices[j]] = [indices[j] as number, indices[i] as number];
      order.push(indices[i] as number);
    }
  }
  return order.map((index) => combinationAt(axes, index));
}

/**
 * The combinations merged into `base`, split into those the kind accepts and
 * how many its cross-checks refuse (e.g. fastPeriod not below slowPeriod),
 * with the first such reason. None accepted is an OptimizationError.
 */
export function acceptedCombinations(
  kind: StrategyKind,
  base: StrategyParams,
  combinations: StrategyParams[],
): { accepted: StrategyParams[]; skipped: number; skippedReason: string | null } {
  const accepted: StrategyParams[] = [];
  let skippedReason: string | null = null;
  for (const combination of combinations) {
    const problems = paramProblems(kind, { ...base, ...combination });
    if (problems.length === 0) accepted.push(combination);
    else skippedReason ??= problems.join("; ");
  }
  if (accepted.length === 0) throw new OptimizationError(`the kind refuses every combination: ${skippedReason}`);
  return { accepted, skipped: combinations.length - accepted.length, skippedReason };
}
