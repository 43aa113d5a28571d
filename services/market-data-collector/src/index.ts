export { CandleBook } from "./candles.ts";
export { PriceBoard } from "./prices.ts";
export { type App, createMarketDataService } from "./service.ts";
