/** The backtest-throughput run every engine does (JTS flags, the Python baselines' arguments). */
export const BACKTEST_RULES = {
  fastPeriod: 10,
  slowPeriod: 30,
  quantity: 10,
  fee: "0.001",
  cash: 100_000_000,
} as const;
