import { type Static, Type as t } from "@sinclair/typebox";
import { Candle, CandleInterval } from "./market.ts";
import { Decimal, Id } from "./primitives.ts";
import { Fill, StrategyKind, StrategyParams } from "./trading.ts";

/**
 * Backtests run from the PWA (POST /api/backtests): the same runner as
 * `just backtest` (services/backtest), kept per user in the document store.
 */

/**
 * CSV text travels in the JSON body, so it fits under the gateway's 64 KiB
 * body cap with room for the rest: about 800 candle rows. Bigger files:
 * `just backtest --data FILE`, or load them into the market-data history.
 */
export const BACKTEST_CSV_MAX_CHARS = 60_000;

const IsoTime = t.String({ minLength: 10, maxLength: 40, examples: ["2026-11-01T00:00:00Z"] });
const DataSymbol = t.String({ minLength: 1, maxLength: 32, pattern: "^[A-Za-z0-9._-]+$" });

export const BacktestSource = t.Union([
  /** The seeded two days of BTC-KRW 1m candles `just backtest` replays by default. */
  t.Object({ type: t.Literal("sample") }, { additionalProperties: false }),
  /** Closed candles of the market-data history (ClickHouse, or chdb under `just dev`). */
  t.Object(
    { type: t.Literal("history"), symbol: DataSymbol, interval: CandleInterval, from: IsoTime, to: IsoTime },
    { additionalProperties: false },
  ),
  /** Ticks or candles as `just backtest --data` reads them. */
  t.Object(
    { type: t.Literal("csv"), csv: t.String({ minLength: 1, maxLength: BACKTEST_CSV_MAX_CHARS }) },
    { additionalProperties: false },
  ),
]);
export type BacktestSource = Static<typeof BacktestSource>;

export const BacktestRequest = t.Object(
  {
    kind: StrategyKind,
    /** Checked against the kind's parameter schema (as GET /api/strategies/kinds gives it). */
    params: StrategyParams,
    source: BacktestSource,
    /** Trade this symbol of the data (default: the first event's). */
    symbol: t.Optional(DataSymbol),
    /** `--fee`: maker and taker rate, e.g. 0.0005. */
    fee: t.Optional(Decimal),
    /** `--sizing`: params, quantity:Q, notional:N or equity:PCT. */
    sizing: t.Optional(t.String({ minLength: 1, maxLength: 40 })),
    direction: t.Optional(t.Union([t.Literal("long-only"), t.Literal("long-short")])),
    fillAt: t.Optional(t.Union([t.Literal("next-open"), t.Literal("close")])),
    cash: t.Optional(Decimal),
    slippageBps: t.Optional(t.Number({ minimum: 0, maximum: 10_000 })),
    /** A symbol the simulated venue does not list needs at least its currency (`--currency`, `--tick`, `--lot`). */
    currency: t.Optional(t.String({ pattern: "^[A-Z]{2,6}$" })),
    tick: t.Optional(Decimal),
    lot: t.Optional(Decimal),
  },
  { additionalProperties: false },
);
export type BacktestRequest = Static<typeof BacktestRequest>;

export const BacktestStatus = t.Union([
  t.Literal("queued"),
  t.Literal("running"),
  t.Literal("done"),
  t.Literal("failed"),
]);
export type BacktestStatus = Static<typeof BacktestStatus>;

const Ratio = t.Union([t.Number(), t.Null()]);
export const BacktestSummary = t.Object({
  startingEquity: Decimal,
  endingEquity: Decimal,
  netPnl: t.String(),
  fees: Decimal,
  returnPct: t.Number(),
  buyAndHoldPct: Ratio,
  maxDrawdown: Decimal,
  maxDrawdownPct: t.Number(),
  cagrPct: Ratio,
  sharpe: Ratio,
  sortino: Ratio,
  calmar: Ratio,
  annualization: t.String(),
  exposurePct: t.Number(),
  orders: t.Integer(),
  rejected: t.Integer(),
  fills: t.Integer(),
  roundTrips: t.Integer(),
  winRate: t.Number(),
  averageTripPnl: t.Union([t.String(), t.Null()]),
});
export type BacktestSummary = Static<typeof BacktestSummary>;

export const BacktestRoundTrip = t.Object({
  side: t.Union([t.Literal("LONG"), t.Literal("SHORT")]),
  entryTs: t.String(),
  exitTs: t.Union([t.String(), t.Null()]),
  quantity: t.String(),
  entryPrice: t.String(),
  exitPrice: t.Union([t.String(), t.Null()]),
  fees: t.String(),
  pnl: t.String(),
  returnPct: t.Number(),
  fills: t.Integer(),
  open: t.Boolean(),
});

/** One equity sample: `ts` ns since the epoch (market time), `drawdownPct` below the running peak. */
export const BacktestEquityPoint = t.Object({ ts: t.String(), equity: t.Number(), drawdownPct: t.Number() });

export const BacktestResult = t.Object({
  source: t.String(),
  symbol: t.String(),
  timeframe: t.String(),
  events: t.Integer(),
  summary: BacktestSummary,
  /** At most 2000 points, evenly thinned (the last one always kept). */
  equity: t.Array(BacktestEquityPoint),
  /** The replayed candles (none for tick data), at most 2000: longer runs are merged into wider buckets. */
  candles: t.Array(Candle),
  fills: t.Array(Fill),
  roundTrips: t.Array(BacktestRoundTrip),
});
export type BacktestResult = Static<typeof BacktestResult>;

export const BacktestRun = t.Object({
  id: Id,
  owner: t.String(),
  status: BacktestStatus,
  /** 0..1 of the events replayed. */
  progress: t.Number({ minimum: 0, maximum: 1 }),
  request: BacktestRequest,
  createdAt: t.String(),
  finishedAt: t.Union([t.String(), t.Null()]),
  error: t.Union([t.String(), t.Null()]),
  summary: t.Union([BacktestSummary, t.Null()]),
  /** In GET /api/backtests/:id only; the list leaves it out. */
  result: t.Optional(BacktestResult),
});
export type BacktestRun = Static<typeof BacktestRun>;

/** Topics.backtestProgress and the /ws channel `backtest:<id>` (the owner only). */
export const BacktestProgress = t.Object({
  id: Id,
  owner: t.String(),
  status: BacktestStatus,
  progress: t.Number(),
  error: t.Union([t.String(), t.Null()]),
});
export type BacktestProgress = Static<typeof BacktestProgress>;
