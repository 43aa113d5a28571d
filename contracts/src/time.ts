/**
 * Event time in nanoseconds since the Unix epoch. A JSON number cannot hold
 * epoch nanoseconds exactly (2^53 < 1.7e18), so on the wire they are digit
 * strings and in code bigints. The clock adds a monotonic offset to one
 * wall-clock reading so that two stamps in one process never go backwards.
 */
export const NANOS_PATTERN = "^\\d{1,20}$";

const originNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

export function nowNs(): bigint {
  return originNs + process.hrtime.bigint();
}

export function nowNsString(): string {
  return (originNs + process.hrtime.bigint()).toString();
}

export function msToNs(ms: number): bigint {
  return BigInt(Math.trunc(ms)) * 1_000_000n;
}

export function nsToMs(ns: string | bigint): number {
  return Number(BigInt(ns) / 1_000_000n);
}
