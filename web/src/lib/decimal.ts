/**
 * Display and validation helpers for the decimal strings the gateway sends.
 * Arithmetic is the contracts' fixed-point module (the same code the services
 * run); money never goes through a float here.
 */
import { DECIMAL_PATTERN, isMultipleOf as fixedMultipleOf, toFixed } from "@jts/contracts/decimal";

const DECIMAL = new RegExp(DECIMAL_PATTERN);

export function isDecimal(value: string): boolean {
  return DECIMAL.test(value);
}

/** A quantity the gateway accepts: unsigned decimal greater than zero. */
export function isPositiveDecimal(value: string): boolean {
  return isDecimal(value) && !value.startsWith("-") && toFixed(value) > 0n;
}

/** -1, 0 or 1, like a sort comparator. */
export function compareDecimal(a: string, b: string): number {
  const left = toFixed(a);
  const right = toFixed(b);
  return left < right ? -1 : left > right ? 1 : 0;
}

export function isMultipleOf(value: string, step: string): boolean {
  return fixedMultipleOf(toFixed(value), toFixed(step));
}

export function signOf(value: string): -1 | 0 | 1 {
  if (!isDecimal(value)) return 0;
  const raw = toFixed(value);
  return raw < 0n ? -1 : raw > 0n ? 1 : 0;
}

/** Groups the integer digits ("1234567.5" -> "1,234,567.5") without touching precision. */
export function formatDecimal(value: string | null | undefined): string {
  if (value === null || value === undefined || !isDecimal(value)) return "—";
  const negative = value.startsWith("-");
  const [whole = "0", fraction] = (negative ? value.slice(1) : value).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${negative ? "-" : ""}${grouped}${fraction ? `.${fraction}` : ""}`;
}

/** Nanosecond digit strings compared exactly (they overflow a float's integer range). */
export function compareNanos(a: string, b: string): number {
  const left = BigInt(a);
  const right = BigInt(b);
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Local wall-clock time of a nanosecond timestamp, for display. */
export function formatNanosTime(ns: string | null | undefined): string {
  if (!ns || !/^\d{1,20}$/.test(ns)) return "—";
  return new Date(Number(BigInt(ns) / 1_000_000n)).toLocaleTimeString();
}
