import * as hdr from "hdr-histogram-js";

/**
 * Latencies in nanoseconds in HDR histograms (hdr-histogram-js, pure JS: it
 * works under Bun and Node alike). 3 significant digits up to one hour; 32-bit
 * buckets record in ~50 ns, so recording does not disturb what it measures.
 */
export type Histogram = hdr.Histogram;

const HIGHEST_NS = 3_600_000_000_000;

export function newHistogram(): Histogram {
  return hdr.build({
    bitBucketSize: 32,
    numberOfSignificantValueDigits: 3,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_NS,
    useWebAssembly: false,
  });
}

/** Records `ns`, clamped to the trackable range (a negative value means clocks disagree: it counts as 1 ns). */
export function record(histogram: Histogram, ns: number): void {
  const value = ns < 1 ? 1 : ns > HIGHEST_NS ? HIGHEST_NS : Math.round(ns);
  histogram.recordValue(value);
}

export interface LatencySummary {
  count: number;
  p50Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
  meanUs: number;
}

const us = (ns: number) => Math.round(ns / 10) / 100;

export function summarize(histogram: Histogram): LatencySummary {
  if (histogram.totalCount === 0) return { count: 0, p50Us: 0, p99Us: 0, p999Us: 0, maxUs: 0, meanUs: 0 };
  // A percentile is its bucket's highest equivalent value, which can lie above the largest value recorded.
  const max = histogram.maxValue;
  const at = (p: number) => us(Math.min(histogram.getValueAtPercentile(p), max));
  return {
    count: histogram.totalCount,
    p50Us: at(50),
    p99Us: at(99),
    p999Us: at(99.9),
    maxUs: us(max),
    meanUs: us(histogram.mean),
  };
}

/** A histogram as text, so child processes can hand theirs to the runner. */
export function encode(histogram: Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

export function decode(text: string): Histogram {
  const decoded = hdr.decodeFromCompressedBase64(text, 32, false);
  const histogram = newHistogram();
  histogram.add(decoded);
  return histogram;
}

export function merge(histograms: Histogram[]): Histogram {
  const total = newHistogram();
  for (const h of histograms) total.add(h);
  return total;
}
