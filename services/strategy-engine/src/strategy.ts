import type { Fill, Side, StrategyConfig, Tick } from "@jts/contracts";

/** What a strategy wants done; the engine turns it into a Signal and an OrderRequest. */
export interface StrategyIntent {
  side: Side;
  quantity: string;
  reason: string;
}

/** The hooks a strategy implements. Strategies are pure: no I/O, no clock. */
export interface Strategy {
  readonly config: StrategyConfig;
  onTick(tick: Tick, position: bigint): StrategyIntent | null;
  onFill?(fill: Fill): void;
}
