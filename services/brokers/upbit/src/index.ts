export { hashableQuery, upbitToken } from "./auth.ts";
export { upbitCandleSource } from "./candles.ts";
export { loadUpbitConfig, type UpbitConfig, upbitConfigSpec } from "./config.ts";
export { orderBody, UpbitConnector, type UpbitConnectorOptions } from "./connector.ts";
export { QUOTATION_GROUPS, UPBIT_LIMIT_VALUES, UPBIT_VENUE, upbitLimits } from "./constants.ts";
export * from "./parse.ts";
export { parseRemainingReq, UpbitRest, type UpbitRestOptions } from "./rest.ts";
export { createUpbitService } from "./service.ts";
export { fromUpbitMarket, toUpbitMarket } from "./symbols.ts";
