import { createBrokerService, credentialTag, RateGate } from "@jts/broker-kit";
import type { Runtime } from "@jts/kit";
import type { UpbitConfig } from "./config.ts";
import { UpbitConnector } from "./connector.ts";
import { UPBIT_LIMIT_VALUES, UPBIT_VENUE, upbitLimits } from "./constants.ts";

export function createUpbitService(runtime: Runtime, config: UpbitConfig) {
  const logger = runtime.logger.child({ venue: UPBIT_VENUE });
  const gate = new RateGate(runtime.limiter, {
    venue: UPBIT_VENUE,
    limits: upbitLimits({ ...UPBIT_LIMIT_VALUES, ordersPerSecond: config.UPBIT_ORDER_RATE }),
    // Exchange limits are per account: key them by a tag of the access key, never the key itself.
    accountId: credentialTag(config.UPBIT_ACCESS_KEY || "none"),
    cache: runtime.cache,
  });
  const connector = new UpbitConnector({
    baseUrl: config.UPBIT_BASE_URL,
    wsUrl: config.UPBIT_WS_URL,
    accessKey: config.UPBIT_ACCESS_KEY || undefined,
    secretKey: config.UPBIT_SECRET_KEY || undefined,
    account: config.UPBIT_ACCOUNT,
    symbols: config.symbols,
    gate,
    logger,
  });
  return { service: createBrokerService(runtime, connector), connector, gate };
}
