import type { StrategyConfig } from "@jts/contracts";

/** One moving-average crossover per sim symbol, sized small against the dev risk limits. */
export function defaultStrategies(account: string): StrategyConfig[] {
  const sizes: Record<string, string> = { "BTC-KRW": "0.001", "ETH-KRW": "0.01", "005930": "10" };
  return Object.entries(sizes).map(([symbol, quantity]) => ({
    id: `ma-${symbol}`,
    kind: "ma-crossover",
    account,
    symbol,
    venue: "sim",
    params: { fastPeriod: 5, slowPeriod: 20, quantity },
    enabled: true,
  }));
}
