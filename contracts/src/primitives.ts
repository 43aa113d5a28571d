import { type Static, type TLiteral, type TUnion, Type as t } from "@sinclair/typebox";
import { DECIMAL_PATTERN } from "./decimal.ts";
import { NANOS_PATTERN } from "./time.ts";

/** Exact decimal as a string; see decimal.ts for why not a JSON number. */
export const Decimal = t.String({ pattern: DECIMAL_PATTERN, examples: ["152340000", "0.0015"] });
export type Decimal = Static<typeof Decimal>;

/** A decimal that must be > 0 is checked in code; the pattern excludes the sign. */
export const UnsignedDecimal = t.String({ pattern: "^\\d{1,20}(\\.\\d{1,9})?$", examples: ["0.0015"] });
export type UnsignedDecimal = Static<typeof UnsignedDecimal>;

/** Nanoseconds since the epoch as digits; see time.ts. */
export const Nanos = t.String({ pattern: NANOS_PATTERN, examples: ["1764236400000000000"] });
export type Nanos = Static<typeof Nanos>;

/** BASE-QUOTE for crypto (BTC-KRW), the KRX code for Korean stocks (005930). */
export const SymbolCode = t.String({
  pattern: "^([A-Z0-9]{2,12}-[A-Z]{2,6}|[0-9]{6})$",
  examples: ["BTC-KRW", "005930"],
});
export type SymbolCode = Static<typeof SymbolCode>;

export const Venue = t.Union([
  t.Literal("sim"),
  t.Literal("paper"),
  t.Literal("binance"),
  t.Literal("upbit"),
  t.Literal("kis"),
  t.Literal("creon"),
]);
export type Venue = Static<typeof Venue>;

export const Currency = t.String({ pattern: "^[A-Z]{2,6}$", examples: ["KRW", "USDT"] });
export type Currency = Static<typeof Currency>;

export const Id = t.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_.:-]+$" });
export type Id = Static<typeof Id>;

export const Side = t.Union([t.Literal("BUY"), t.Literal("SELL")]);
export type Side = Static<typeof Side>;

/**
 * A union of string literals from one list, so the list (for iterating) and
 * the schema (for checking) are written once: `literalUnion(ORDER_STATUSES)`.
 */
export function literalUnion<const Values extends readonly [string, ...string[]]>(
  values: Values,
): TUnion<{ -readonly [K in keyof Values]: TLiteral<Values[K]> }> {
  return t.Union(values.map((value) => t.Literal(value))) as never;
}
