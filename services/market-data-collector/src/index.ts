export { CandleBook } from "./candles.ts";
export { type CandleHistory, MemoryCandleHistory } from "./history.ts";
export { PriceBoard } from "./prices.ts";
export { type App, createMarketDataService, lastPriceKey, type MarketDataOptions } from "./service.ts";
