import { int, str } from "@jts/kit";
import { parseDayOffsets, TradingDays } from "./days.ts";
import { DEFAULT_MARKET_SLIPPAGE_BPS, type RiskEngineOptions } from "./engine.ts";

/** What risk reads from the environment besides sessions (standalone and in `just dev`). */
export const riskConfigSpec = {
  /** Cash a MARKET or STOP_MARKET buy reserves: the last trade (or best ask, if higher) plus this many basis points. */
  RISK_MARKET_SLIPPAGE_BPS: int(DEFAULT_MARKET_SLIPPAGE_BPS, { min: 0, max: 10_000 }),
  /**
   * Where trading days start, by venue or account: `key=UTC|KST|+HH:MM`, comma-separated (account entries win).
   * Defaults: kis, creon, sim, paper in KST; binance, upbit in UTC.
   */
  RISK_TRADING_DAY: str(""),
};

export function riskOptionsFrom(config: {
  RISK_MARKET_SLIPPAGE_BPS: number;
  RISK_TRADING_DAY: string;
}): Pick<RiskEngineOptions, "marketSlippageBps" | "tradingDays"> {
  return {
    marketSlippageBps: config.RISK_MARKET_SLIPPAGE_BPS,
    tradingDays: new TradingDays(parseDayOffsets(config.RISK_TRADING_DAY)),
  };
}
