export { binanceCandleSource } from "./candles.ts";
export { type BinanceConfig, binanceConfigSpec, loadBinanceConfig } from "./config.ts";
export { BinanceConnector, type BinanceConnectorOptions } from "./connector.ts";
export { BINANCE_LIMIT_VALUES, BINANCE_VENUE, BINANCE_WEIGHTS, binanceLimits } from "./constants.ts";
export * from "./parse.ts";
export { parseTradeFrame, trimZeros } from "./parse-trade.ts";
export { BinanceRest, type BinanceRestOptions } from "./rest.ts";
export { createBinanceService } from "./service.ts";
export { BinanceSymbols } from "./symbols.ts";
