import type { Candle, Fill, Fixed, Side, StrategyKind, StrategyParams, Tick } from "@jts/contracts";

import type { compile, Logger } from "@jts/kit";

/** What a strategy asks for; the runner turns it into a Signal and an OrderRequest. */
export interface OrderIntent {
  side: Side;
  quantity: string;
  /** MARKET when absent. */
  type?: "MARKET" | "LIMIT";
  price?: string;
  reason: string;
}

/**
 * Everything a strategy may touch. The live engine (bus/rpc) and the backtest
 * (direct calls) implement the same context, so strategy code is identical in
 * both. The clock is market time: the timestamp of the event being handled,
 * never the wall clock, which is what makes a replay reproduce live orders.
 */
export interface StrategyContext<P = StrategyParams> {
  readonly strategyId: string;
  readonly symbol: string;
  readonly account: string;
  readonly params: P;
  readonly logger: Logger;
  /** True while history is replayed before going live: orders are not sent. */
  readonly warmingUp: boolean;
  /** Whether the strategy may go short (a backtest's long/short mode); long only when false. */
  readonly shortsAllowed?: boolean;
  /** Nanoseconds since the epoch of the event being handled. */
  now(): bigint;
  /** The strategy's own signed position (from its fills). */
  position(): Fixed;
  lastPrice(): Fixed | null;
  /** The clientOrderId sent, or null when nothing was sent (warming up, stopped, one in flight, cooling down). */
  submit(intent: OrderIntent): Promise<string | null>;
  cancel(clientOrderId: string): Promise<void>;
}

/** Lifecycle hooks; all optional. State kept on the instance survives restarts through snapshot/restore. */
export interface Strategy<P = StrategyParams> {
  onStart?(ctx: StrategyContext<P>): void | Promise<void>;
  onTick?(tick: Tick, ctx: StrategyContext<P>): void | Promise<void>;
  /** Closed candles only. */
  onCandle?(candle: Candle, ctx: StrategyContext<P>): void | Promise<void>;
  onFill?(fill: Fill, ctx: StrategyContext<P>): void | Promise<void>;
  onStop?(ctx: StrategyContext<P>): void | Promise<void>;
  /** JSON-safe state to persist (indicator windows and the like). */
  snapshot?(): unknown;
  restore?(state: unknown): void;
}

/** A strategy kind: its parameter schema, cross-field checks, and a factory. */
export interface StrategyKindDefinition<P = StrategyParams> {
  kind: StrategyKind;
  description: string;
  params: Parameters<typeof compile>[0];
  /** Rules a schema cannot state (fast < slow); each string is a reason. */
  check?(params: P): string[];
  /** How many bars of history make the strategy warm. */
  warmupBars(params: P): number;
  create(params: P): Strategy<P>;
}
