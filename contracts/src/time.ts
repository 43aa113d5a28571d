/**
 * Event time in nanoseconds since the Unix epoch. A JSON number cannot hold
 * epoch nanoseconds exactly (2^53 < 1.7e18), so on the wire they are digit
 * strings and in code bigints. The clock adds the monotonic `performance.now()`
 * to the wall-clock time origin, so two stamps in one process never go
 * backwards; it works the same in Bun and in the browser.
 */
export const NANOS_PATTERN = "^\\d{1,20}$";

const originNs = BigInt(Math.round(performance.timeOrigin * 1e6));
const originSeconds = Number(originNs / 1_000_000_000n);
const originSubsecondNs = Number(originNs % 1_000_000_000n);
/** The last whole-second count nowNsString formatted, and its digits. */
let secondsCarry = -1;
let secondsText = "";
const ZEROS = ["", "0", "00", "000", "0000", "00000", "000000", "0000000", "00000000"];

export function nowNs(): bigint {
  return originNs + BigInt(Math.round(performance.now() * 1e6));
}

/**
 * The same digits as nowNs().toString() without BigInt arithmetic (every
 * envelope and decision is stamped): the nanoseconds since the origin's
 * second fit a double exactly for the first ~100 days of a process, after
 * which the BigInt path takes over.
 */
export function nowNsString(): string {
  const sinceSecond = originSubsecondNs + Math.round(performance.now() * 1e6);
  if (sinceSecond > Number.MAX_SAFE_INTEGER) return nowNs().toString();
  const carry = Math.floor(sinceSecond / 1e9);
  if (carry !== secondsCarry) {
    // The seconds digits change once a second: format them then, not on every call.
    secondsCarry = carry;
    secondsText = `${originSeconds + carry}`;
  }
  const subsecond = `${sinceSecond - carry * 1e9}`;
  return `${secondsText}${ZEROS[9 - subsecond.length]}${subsecond}`;
}

export function msToNs(ms: number): bigint {
  return BigInt(Math.trunc(ms)) * 1_000_000n;
}

export function nsToMs(ns: string | bigint): number {
  return Number(BigInt(ns) / 1_000_000n);
}

/**
 * Korea Standard Time is UTC+9 all year (no daylight saving): KRX dates and
 * times (KIS, Creon, the paper venue's settlement days) are read and written
 * with this one offset.
 */
export const KST_OFFSET_MS = 9 * 3_600_000;
