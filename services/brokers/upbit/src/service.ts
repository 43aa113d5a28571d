import { brokerGate, createBrokerService, VenueMetrics } from "@jts/broker-kit";
import type { Runtime } from "@jts/kit";
import type { UpbitConfig } from "./config.ts";
import { UpbitConnector } from "./connector.ts";
import { UPBIT_LIMIT_VALUES, UPBIT_VENUE, upbitLimits } from "./constants.ts";

export function createUpbitService(runtime: Runtime, config: UpbitConfig) {
  const logger = runtime.logger.child({ venue: UPBIT_VENUE });
  const limits = upbitLimits({ ...UPBIT_LIMIT_VALUES, ordersPerSecond: config.UPBIT_ORDER_RATE });
  const metrics = new VenueMetrics(UPBIT_VENUE);
  const gate = brokerGate(runtime, UPBIT_VENUE, limits, config.UPBIT_ACCESS_KEY, metrics);
  const connector = new UpbitConnector({
    baseUrl: config.UPBIT_BASE_URL,
    wsUrl: config.UPBIT_WS_URL,
    accessKey: config.UPBIT_ACCESS_KEY || undefined,
    secretKey: config.UPBIT_SECRET_KEY || undefined,
    account: config.UPBIT_ACCOUNT,
    symbols: config.symbols,
    gate,
    logger,
    metrics,
  });
  return { service: createBrokerService(runtime, connector, { metrics }), connector, gate, metrics };
}
