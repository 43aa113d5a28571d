export { type BacktestOptions, type BacktestOrder, type BacktestResult, eventTime, runBacktest } from "./backtest.ts";
export { CANDLE_HEADER, CsvError, type MarketEvent, parseCsv, TICK_HEADER, toCsv } from "./csv.ts";
export { DEFAULT_BACKTEST_PARAMS } from "./defaults.ts";
export { type BacktestMetrics, computeMetrics } from "./metrics.ts";
export { asciiChart, equitySvg, formatReport, writeReport } from "./report.ts";
export { generateSampleCandles, SAMPLE_SYMBOL, seededRandom } from "./sample.ts";
export { type BacktestVenue, PaperVenueAdapter } from "./venue.ts";
