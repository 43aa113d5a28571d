/**
 * Fixed-point money. Prices, quantities and amounts travel as decimal strings
 * ("152340000", "0.0015") and are computed as bigints scaled by 10^9, the
 * precision NautilusTrader uses. Binary floats would turn 0.1 + 0.2 into
 * 0.30000000000000004 on a trader's cash; bigints are exact, and 9 decimals
 * cover every venue's tick and lot size (Binance goes to 8).
 */
export const SCALE_DIGITS = 9;
export const SCALE = 10n ** BigInt(SCALE_DIGITS);

/** A decimal string such as "-12.5"; no exponent, no leading "+". */
export const DECIMAL_PATTERN = "^-?\\d{1,20}(\\.\\d{1,9})?$";
const decimalRegex = new RegExp(DECIMAL_PATTERN);

export type Fixed = bigint;

export class DecimalError extends Error {}

/** Parses a decimal string; refuses more than 9 fractional digits of precision. */
export function toFixed(value: string): Fixed {
  if (!decimalRegex.test(value)) throw new DecimalError(`not a decimal: ${JSON.stringify(value)}`);
  const negative = value.startsWith("-");
  const [whole = "0", fraction = ""] = (negative ? value.slice(1) : value).split(".");
  const trimmed = fraction.replace(/0+$/, "");
  if (trimmed.length > SCALE_DIGITS) throw new DecimalError(`more than ${SCALE_DIGITS} decimals: ${value}`);
  const raw = BigInt(whole) * SCALE + BigInt(trimmed.padEnd(SCALE_DIGITS, "0") || "0");
  return negative ? -raw : raw;
}

/** Formats without trailing zeros: 1500000000n -> "1.5". */
export function fromFixed(value: Fixed): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const whole = abs / SCALE;
  const fraction = (abs % SCALE).toString().padStart(SCALE_DIGITS, "0").replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}

export function fixedFromInt(value: number | bigint): Fixed {
  return BigInt(value) * SCALE;
}

/** a * b, rounded half away from zero to the scale. */
export function mul(a: Fixed, b: Fixed): Fixed {
  return divRound(a * b, SCALE);
}

/** a / b, rounded half away from zero to the scale. */
export function div(a: Fixed, b: Fixed): Fixed {
  if (b === 0n) throw new DecimalError("division by zero");
  return divRound(a * SCALE, b);
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
