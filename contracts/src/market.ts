import { type Static, Type as t } from "@sinclair/typebox";
import { Currency, Decimal, Nanos, SymbolCode, UnsignedDecimal, Venue } from "./primitives.ts";

export const Instrument = t.Object({
  symbol: SymbolCode,
  venue: Venue,
  kind: t.Union([t.Literal("CRYPTO"), t.Literal("STOCK")]),
  base: t.String(),
  quote: Currency,
  tickSize: UnsignedDecimal,
  lotSize: UnsignedDecimal,
  minQuantity: UnsignedDecimal,
  maxQuantity: UnsignedDecimal,
  minNotional: UnsignedDecimal,
  makerFee: Decimal,
  takerFee: Decimal,
  /** The KRX market of a Korean stock (a STOCK priced in KRW): its sell tax depends on it; the paper venue and backtests refuse such a stock without it. */
  market: t.Optional(t.Union([t.Literal("KOSPI"), t.Literal("KOSDAQ"), t.Literal("KONEX")])),
});
export type Instrument = Static<typeof Instrument>;

/** Every instrument a venue lists, as its connector read them from the venue's exchange info. */
export const VenueInstruments = t.Object({ venue: Venue, instruments: t.Array(Instrument) });
export type VenueInstruments = Static<typeof VenueInstruments>;

/** A trade print. */
export const Tick = t.Object({
  symbol: SymbolCode,
  venue: Venue,
  price: UnsignedDecimal,
  quantity: UnsignedDecimal,
  aggressor: t.Union([t.Literal("BUY"), t.Literal("SELL"), t.Literal("NONE")]),
  tradeId: t.String(),
  tsEvent: Nanos,
});
export type Tick = Static<typeof Tick>;

/** Best bid and offer. */
export const Quote = t.Object({
  symbol: SymbolCode,
  venue: Venue,
  bid: UnsignedDecimal,
  bidSize: UnsignedDecimal,
  ask: UnsignedDecimal,
  askSize: UnsignedDecimal,
  tsEvent: Nanos,
});
export type Quote = Static<typeof Quote>;

export const CandleInterval = t.Union([t.Literal("1m"), t.Literal("5m"), t.Literal("1h"), t.Literal("1d")]);
export type CandleInterval = Static<typeof CandleInterval>;

export const Candle = t.Object({
  symbol: SymbolCode,
  venue: Venue,
  interval: CandleInterval,
  /** Open time of the bucket. */
  tsOpen: Nanos,
  open: UnsignedDecimal,
  high: UnsignedDecimal,
  low: UnsignedDecimal,
  close: UnsignedDecimal,
  volume: UnsignedDecimal,
  trades: t.Integer({ minimum: 0 }),
  closed: t.Boolean(),
});
export type Candle = Static<typeof Candle>;

/** What GET /api/prices returns per symbol. */
export const LastPrice = t.Object({
  symbol: SymbolCode,
  venue: Venue,
  price: UnsignedDecimal,
  bid: t.Union([UnsignedDecimal, t.Null()]),
  ask: t.Union([UnsignedDecimal, t.Null()]),
  ts: Nanos,
});
export type LastPrice = Static<typeof LastPrice>;

/** Candle history request (GET /api/candles, rpc md.candles); times are open times in ns. */
export const CandleQuery = t.Object({
  symbol: SymbolCode,
  interval: t.Optional(CandleInterval),
  from: t.Optional(Nanos),
  to: t.Optional(Nanos),
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 5000 })),
});
export type CandleQuery = Static<typeof CandleQuery>;
