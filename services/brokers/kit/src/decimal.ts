import { fx } from "@jts/contracts";

const SCALE_DIGITS = fx.SCALE_DIGITS;

/**
 * Venues send decimals as strings with trailing zeros ("0.00100000", Binance)
 * or as JSON numbers that may print in exponent form (1e-7, Upbit). Contracts
 * want a plain decimal with at most 9 fraction digits: strip the zeros, expand
 * exponents, and refuse what cannot be represented exactly rather than round it.
 */
export function venueDecimal(value: string | number): string {
  let text = typeof value === "number" ? numberText(value) : value.trim();
  if (text.startsWith("+")) text = text.slice(1);
  if (!/^-?\d+(\.\d+)?$/.test(text)) throw new Error(`not a decimal: ${JSON.stringify(value)}`);
  const dot = text.indexOf(".");
  if (dot === -1) return stripLeadingZeros(text);
  let end = text.length;
  while (text.charCodeAt(end - 1) === 48) end--; // trailing '0'
  if (end === dot + 1) end = dot; // nothing left after the point
  const trimmed = text.slice(0, end);
  if (end > dot && end - dot - 1 > SCALE_DIGITS)
    throw new Error(`more than ${SCALE_DIGITS} decimals: ${JSON.stringify(value)}`);
  return stripLeadingZeros(trimmed);
}

function stripLeadingZeros(text: string): string {
  const negative = text.startsWith("-");
  let body = negative ? text.slice(1) : text;
  while (body.length > 1 && body[0] === "0" && body[1] !== ".") body = body.slice(1);
  if (body === "0") return "0";
  return negative ? `-${body}` : body;
}

function numberText(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
  const plain = String(value);
  if (!/e/i.test(plain)) return plain;
  // toFixed with 20 digits expands the exponent; the shortest round-trip digits come from toPrecision.
  const [mantissa = "0", exponentText = "0"] = value.toExponential().split("e");
  const exponent = Number(exponentText);
  const negative = mantissa.startsWith("-");
  const digits = mantissa.replace("-", "").replace(".", "");
  const pointAt = 1 + exponent;
  let out: string;
  if (pointAt <= 0) out = `0.${"0".repeat(-pointAt)}${digits}`;
  else if (pointAt >= digits.length) out = digits + "0".repeat(pointAt - digits.length);
  else out = `${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
  return negative ? `-${out}` : out;
}

/**
 * A venue's JSON number (Upbit sends prices, volumes and fees as doubles).
 * The shortest round-trip text is used when it fits 9 decimals; otherwise the
 * double is rounded to 9 (14.999699999999999 -> 14.9997): the value was
 * already a binary approximation, so the digits past the ninth are noise.
 */
export function floatDecimal(value: number): string {
  const plain = venueDecimalOrNull(value);
  return plain ?? venueDecimal(value.toFixed(9));
}

function venueDecimalOrNull(value: number): string | null {
  try {
    return venueDecimal(value);
  } catch (error) {
    if ((error as Error).message.startsWith("more than")) return null;
    throw error;
  }
}
