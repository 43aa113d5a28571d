/** The fake Binance the tests (and the limits proof) point the connector at: `@jts/broker-binance/testing`. */
export { FakeBinance, type FakeBinanceOptions } from "./fake-binance.ts";
