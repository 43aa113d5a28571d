/**
 * Event time in nanoseconds since the Unix epoch. A JSON number cannot hold
 * epoch nanoseconds exactly (2^53 < 1.7e18), so on the wire they are digit
 * strings and in code bigints. The clock adds the monotonic `performance.now()`
 * to the wall-clock time origin, so two stamps in one process never go
 * backwards; it works the same in Bun and in the browser.
 */
export const NANOS_PATTERN = "^\\d{1,20}$";

const originNs = BigInt(Math.round(performance.timeOrigin * 1e6));

export function nowNs(): bigint {
  return originNs + BigInt(Math.round(performance.now() * 1e6));
}

export function nowNsString(): string {
  return nowNs().toString();
}

export function msToNs(ms: number): bigint {
  return BigInt(Math.trunc(ms)) * 1_000_000n;
}

export function nsToMs(ns: string | bigint): number {
  return Number(BigInt(ns) / 1_000_000n);
}
