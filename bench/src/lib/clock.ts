/**
 * The same clock as contracts/time.ts (wall-clock origin + monotonic now), so
 * stamps taken here compare with the platform's `tsInit` across processes.
 * `relNs` avoids BigInt on hot paths: nanoseconds since this module loaded.
 */
const originNs = BigInt(Math.round(performance.timeOrigin * 1e6));
const baseNs = originNs + BigInt(Math.round(performance.now() * 1e6));
const basePerf = performance.now();

export function nowNs(): bigint {
  return originNs + BigInt(Math.round(performance.now() * 1e6));
}

/** Nanoseconds since this module loaded, as a float (exact to well under a microsecond). */
export function relNs(): number {
  return (performance.now() - basePerf) * 1e6;
}

/** A digit-string ns stamp (envelope tsInit, tsEvent) on the relNs scale. */
export function stampToRel(stamp: string | bigint): number {
  return Number(BigInt(stamp) - baseNs);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
