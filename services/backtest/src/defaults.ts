import type { StrategyKind, StrategyParams } from "@jts/contracts";

/** Parameters `just backtest` uses when none are given: sized for BTC-KRW 1m bars. */
export const DEFAULT_BACKTEST_PARAMS: Record<StrategyKind, StrategyParams> = {
  "ma-crossover": { fastPeriod: 10, slowPeriod: 30, quantity: "0.1" },
  bollinger: { period: 20, width: 2, quantity: "0.1" },
  donchian: { entryPeriod: 60, exitPeriod: 30, quantity: "0.1" },
};
