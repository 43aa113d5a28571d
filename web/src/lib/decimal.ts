/**
 * Display and validation helpers for the decimal strings the gateway sends.
 * Arithmetic is the contracts' fixed-point module (the same code the services
 * run); money never goes through a float here.
 */
import { DECIMAL_PATTERN, isMultipleOf as fixedMultipleOf, fromFixed, mul, toFixed } from "@jts/contracts/decimal";

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

/** The colour a P&L takes: the `pnl--up|down|flat` class every screen shows money with. */
export function pnlClass(value: string): string {
  const sign = signOf(value);
  return `pnl pnl--${sign > 0 ? "up" : sign < 0 ? "down" : "flat"}`;
}

/** Groups the integer digits ("1234567.5" -> "1,234,567.5") without touching precision. */
export function formatDecimal(value: string | null | undefined): string {
  if (value === null || value === undefined || !isDecimal(value)) return "—";
  const negative = value.startsWith("-");
  const [whole = "0", fraction] = (negative ? value.slice(1) : value).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${negative ? "-" : ""}${grouped}${fraction ? `.${fraction}` : ""}`;
}

/** Currencies shown without decimals: the won has no minor unit in use (KRX and Upbit show whole won). */
const WHOLE_UNIT_CURRENCIES: ReadonlySet<string> = new Set(["KRW", "JPY"]);
/** Dollar-like currencies (fiat and the stablecoins pegged to it): shown with cents. */
const CENT_CURRENCIES: ReadonlySet<string> = new Set(["USD", "USDT", "USDC", "EUR", "BUSD", "FDUSD", "DAI"]);

/** The number of decimals of a step ("0.001" -> 3, "100" -> 0), for showing values at that step. */
export function decimalsOf(step: string | null | undefined): number {
  if (!step || !isDecimal(step)) return 0;
  const fraction = step.split(".")[1]?.replace(/0+$/, "") ?? "";
  return fraction.length;
}

/**
 * `value` rounded half away from zero to `places` decimals, exactly in fixed
 * point, and written with exactly that many ("1.5", 2 -> "1.50"); grouped.
 */
export function formatPlaces(value: string | null | undefined, places: number): string {
  if (value === null || value === undefined || !isDecimal(value)) return "—";
  const raw = toFixed(value);
  const unit = toFixed("1") / 10n ** BigInt(Math.max(0, Math.min(9, places)));
  const magnitude = raw < 0n ? -raw : raw;
  const steps = (magnitude + unit / 2n) / unit;
  const digits = steps.toString().padStart(places + 1, "0");
  const whole = places > 0 ? digits.slice(0, -places) : digits;
  const fraction = places > 0 ? `.${digits.slice(-places)}` : "";
  return formatDecimal(`${raw < 0n && steps > 0n ? "-" : ""}${whole}${fraction}`);
}

/**
 * An amount of `currency` for display: KRW (and JPY) rounded to whole units,
 * dollar-like currencies to cents (half away from zero, exactly, in fixed
 * point), grouped; any other (a coin) keeps every decimal it has.
 */
export function formatMoney(value: string | null | undefined, currency: string | null | undefined): string {
  if (currency && WHOLE_UNIT_CURRENCIES.has(currency)) return formatPlaces(value, 0);
  if (currency && CENT_CURRENCIES.has(currency)) return formatPlaces(value, 2);
  return formatDecimal(value);
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

/** Percent change from `from` to `to`, two decimals ("+1.25"), computed in fixed point. */
export function percentChange(to: string | null | undefined, from: string | null | undefined): string | null {
  if (!to || !from || !isDecimal(to) || !isDecimal(from)) return null;
  const base = toFixed(from);
  if (base === 0n) return null;
  const basisPoints = ((toFixed(to) - base) * 10_000n) / base;
  const sign = basisPoints > 0n ? "+" : basisPoints < 0n ? "-" : "";
  const absolute = basisPoints < 0n ? -basisPoints : basisPoints;
  return `${sign}${absolute / 100n}.${(absolute % 100n).toString().padStart(2, "0")}`;
}

/** price x quantity as a decimal string (order notional), exact. */
export function notionalOf(price: string, quantity: string): string {
  return fromFixed(mul(toFixed(price), toFixed(quantity)));
}

/** Sum of decimal strings, exact. */
export function sumDecimals(values: Iterable<string>): string {
  let total = 0n;
  for (const value of values) if (isDecimal(value)) total += toFixed(value);
  return fromFixed(total);
}

/** For charts only: a lossy float of a decimal string (canvas coordinates, never money math). */
export function chartNumber(value: string): number {
  return Number(value);
}
