import { brokerGate, createBrokerService, VenueMetrics } from "@jts/broker-kit";
import type { Runtime } from "@jts/kit";
import type { BinanceConfig } from "./config.ts";
import { BinanceConnector } from "./connector.ts";
import { BINANCE_VENUE, binanceLimits } from "./constants.ts";

export function createBinanceService(runtime: Runtime, config: BinanceConfig) {
  const logger = runtime.logger.child({ venue: BINANCE_VENUE });
  const metrics = new VenueMetrics(BINANCE_VENUE);
  const gate = brokerGate(runtime, BINANCE_VENUE, binanceLimits(), config.BINANCE_API_KEY, metrics);
  const connector = new BinanceConnector({
    baseUrl: config.BINANCE_BASE_URL,
    wsUrl: config.BINANCE_WS_URL,
    apiKey: config.BINANCE_API_KEY || undefined,
    apiSecret: config.BINANCE_API_SECRET || undefined,
    recvWindowMs: config.BINANCE_RECV_WINDOW,
    account: config.BINANCE_ACCOUNT,
    symbols: config.symbols,
    gate,
    logger,
    metrics,
  });
  return { service: createBrokerService(runtime, connector, { metrics }), connector, gate, metrics };
}
