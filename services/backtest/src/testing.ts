import type { StrategyConfig } from "@jts/contracts";
import { DEFAULT_BACKTEST_PARAMS } from "./defaults.ts";

/** Test-only: the MA crossover on BTC-KRW 1m with the backtest's default parameters; tests override what they vary. */
export const backtestStrategy = (overrides: Partial<StrategyConfig> = {}): StrategyConfig => ({
  id: "bt",
  kind: "ma-crossover",
  account: "backtest",
  symbol: "BTC-KRW",
  venue: "sim",
  timeframe: "1m",
  params: DEFAULT_BACKTEST_PARAMS["ma-crossover"],
  enabled: true,
  ...overrides,
});
