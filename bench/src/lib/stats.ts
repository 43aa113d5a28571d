/** Median and spread of repeated measurements; every repetition's value is kept in the report. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  /** (max - min) / median, 0 when the median is 0. */
  relSpread: number;
  values: number[];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function spread(values: readonly number[]): Spread {
  const clean = values.filter((v) => Number.isFinite(v));
  if (clean.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, relSpread: 0, values: [] };
  const m = median(clean);
  const min = Math.min(...clean);
  const max = Math.max(...clean);
  return { median: m, min, max, relSpread: m === 0 ? 0 : (max - min) / Math.abs(m), values: [...values] };
}

/** Largest sum of `weight` over any half-open window [t, t + windowMs) of events sorted by time. */
export function maxSlidingSum(events: ReadonlyArray<{ t: number; weight: number }>, windowMs: number): number {
  let best = 0;
  let sum = 0;
  let head = 0;
  for (let tail = 0; tail < events.length; tail++) {
    const event = events[tail] as { t: number; weight: number };
    sum += event.weight;
    while ((events[head] as { t: number }).t <= event.t - windowMs) {
      sum -= (events[head] as { weight: number }).weight;
      head++;
    }
    if (sum > best) best = sum;
  }
  return best;
}
