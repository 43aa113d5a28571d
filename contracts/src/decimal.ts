/**
 * Fixed-point money. Prices, quantities and amounts travel as decimal strings
 * ("152340000", "0.0015") and are computed as bigints scaled by 10^9, the
 * precision NautilusTrader uses. Binary floats would turn 0.1 + 0.2 into
 * 0.30000000000000004 on a trader's cash; bigints are exact, and 9 decimals
 * cover every venue's tick and lot size (Binance goes to 8).
 */
export const SCALE_DIGITS = 9;
export const SCALE = 10n ** BigInt(SCALE_DIGITS);
const HALF_SCALE = SCALE / 2n;

/** A decimal string such as "-12.5"; no exponent, no leading "+". */
export const DECIMAL_PATTERN = "^-?\\d{1,20}(\\.\\d{1,9})?$";

export type Fixed = bigint;

export class DecimalError extends Error {}

const NOT_DIGIT = (code: number) => code < 48 || code > 57;
const POW10 = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000];
/** Whole parts below this keep whole * 10^9 + fraction under 2^53, so one Number -> BigInt conversion is exact. */
const MAX_EXACT_WHOLE = 9_007_198;
const ZEROS = ["", "0", "00", "000", "0000", "00000", "000000", "0000000", "00000000"];

function notDecimal(value: unknown): never {
  throw new DecimalError(`not a decimal: ${JSON.stringify(value)}`);
}

/**
 * Parses a decimal string (DECIMAL_PATTERN: up to 20 whole digits, 1 to 9
 * fractional ones). Every tick goes through here in several services, so it
 * scans the characters once and converts to BigInt once when the value fits a
 * double exactly, instead of regex + split + padEnd + two BigInt parses.
 */
export function toFixed(value: string): Fixed {
  if (typeof value !== "string") notDecimal(value);
  const length = value.length;
  const negative = length > 0 && value.charCodeAt(0) === 45; // "-"
  const wholeStart = negative ? 1 : 0;
  let i = wholeStart;
  let whole = 0;
  for (; i < length; i++) {
    const code = value.charCodeAt(i);
    if (code === 46) break; // "."
    if (NOT_DIGIT(code)) notDecimal(value);
    whole = whole * 10 + (code - 48);
  }
  const wholeDigits = i - wholeStart;
  if (wholeDigits === 0 || wholeDigits > 20) notDecimal(value);
  let fraction = 0;
  let fractionDigits = 0;
  if (i < length) {
    const fractionStart = ++i;
    for (; i < length; i++) {
      const code = value.charCodeAt(i);
      if (NOT_DIGIT(code)) notDecimal(value);
      fraction = fraction * 10 + (code - 48);
    }
    fractionDigits = i - fractionStart;
    if (fractionDigits === 0 || fractionDigits > SCALE_DIGITS) notDecimal(value);
  }
  const scaledFraction = fraction * (POW10[SCALE_DIGITS - fractionDigits] as number);
  let raw: bigint;
  if (wholeDigits <= 15 && whole <= MAX_EXACT_WHOLE) raw = BigInt(whole * 1e9 + scaledFraction);
  else {
    // Beyond 15 digits the double loses the whole part: parse those digits as a BigInt.
    const exactWhole = wholeDigits <= 15 ? BigInt(whole) : BigInt(value.slice(wholeStart, wholeStart + wholeDigits));
    raw = exactWhole * SCALE + BigInt(scaledFraction);
  }
  return negative ? -raw : raw;
}

/**
 * Formats without trailing zeros: 1500000000n -> "1.5". One BigInt -> digits
 * conversion, then the point goes in by slicing (no division, no padding).
 */
export function fromFixed(value: Fixed): string {
  const negative = value < 0n;
  const sign = negative ? "-" : "";
  const digits = `${negative ? -value : value}`;
  const length = digits.length;
  let end = length;
  if (length <= SCALE_DIGITS) {
    while (end > 0 && digits.charCodeAt(end - 1) === 48) end--;
    return end === 0 ? "0" : `${sign}0.${ZEROS[SCALE_DIGITS - length]}${digits.slice(0, end)}`;
  }
  const point = length - SCALE_DIGITS;
  while (end > point && digits.charCodeAt(end - 1) === 48) end--;
  const whole = digits.slice(0, point);
  return end === point ? `${sign}${whole}` : `${sign}${whole}.${digits.slice(point, end)}`;
}

export function fixedFromInt(value: number | bigint): Fixed {
  return BigInt(value) * SCALE;
}

/** a * b, rounded half away from zero to the scale. */
export function mul(a: Fixed, b: Fixed): Fixed {
  // divRound with the denominator known positive: the remainder carries the product's sign.
  const product = a * b;
  const quotient = product / SCALE;
  const remainder = product - quotient * SCALE;
  if (remainder >= HALF_SCALE) return quotient + 1n;
  if (remainder <= -HALF_SCALE) return quotient - 1n;
  return quotient;
}

/** a / b, rounded half away from zero to the scale. */
export function div(a: Fixed, b: Fixed): Fixed {
  if (b === 0n) throw new DecimalError("division by zero");
  return divRound(a * SCALE, b);
}

/**
 * (q1 x p1 + q2 x p2) / (q1 + q2): a volume-weighted average price, rounded
 * once, half away from zero. The products stay at full precision: rounding
 * each to 9 decimals first made 0.00000001 @ 12345.678901 average 12345.7.
 */
export function weightedAverage(q1: Fixed, p1: Fixed, q2: Fixed, p2: Fixed): Fixed {
  const total = q1 + q2;
  return total === 0n ? 0n : divRound(q1 * p1 + q2 * p2, total);
}

function divRound(numerator: bigint, denominator: bigint): bigint {
  const quotient = numerator / denominator;
  const remainder = numerator % denominator;
  const twice = (remainder < 0n ? -remainder : remainder) * 2n;
  const absDen = denominator < 0n ? -denominator : denominator;
  if (twice < absDen) return quotient;
  return numerator < 0n !== denominator < 0n ? quotient - 1n : quotient + 1n;
}

export function abs(a: Fixed): Fixed {
  return a < 0n ? -a : a;
}

export function min(a: Fixed, b: Fixed): Fixed {
  return a < b ? a : b;
}

export function max(a: Fixed, b: Fixed): Fixed {
  return a > b ? a : b;
}

/** True when value is a whole multiple of step (tick size, lot size). */
export function isMultipleOf(value: Fixed, step: Fixed): boolean {
  return step === 0n || value % step === 0n;
}

/** Rounds down to a multiple of step (toward zero). */
export function floorTo(value: Fixed, step: Fixed): Fixed {
  return step === 0n ? value : value - (value % step);
}

/** Lossy view for charts and indicators only, never for money. */
export function toNumber(value: Fixed): number {
  return Number(value) / Number(SCALE);
}
