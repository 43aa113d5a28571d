export {
  BacktestError,
  type BacktestOptions,
  type BacktestOrder,
  type BacktestResult,
  barsPerYear,
  defaultSessions,
  type EquityPoint,
  eventTime,
  type FillAt,
  runBacktest,
} from "./backtest.ts";
export { CANDLE_HEADER, CsvError, type MarketEvent, parseCsv, TICK_HEADER, toCsv } from "./csv.ts";
export { DEFAULT_BACKTEST_PARAMS } from "./defaults.ts";
export { htmlReport } from "./html.ts";
export { InstrumentError, type InstrumentFlags, resolveInstrument } from "./instrument.ts";
export {
  API_HISTORY_MAX_BARS,
  MAX_SERIES_POINTS,
  prepareRequest,
  requestArgv,
  requestSettings,
  resultView,
  runInWorker,
  runRequest,
  type WorkerRun,
} from "./job.ts";
export { type BacktestMetrics, computeMetrics, maxDrawdown, riskRatios, tripsOf } from "./metrics.ts";
export { type OptimizationRunHandle, planRequest, requestSetup, runOptimization } from "./optimize/job.ts";
export { type OptimizationPlan, planOptimization, type SearchSpec, summarize } from "./optimize/plan.ts";
export { defaultWorkers } from "./optimize/pool.ts";
export { OptimizationError } from "./optimize/search.ts";
export { type CliSettings, OptionError, parseOptions, USAGE } from "./options.ts";
export { asciiChart, equitySvg, formatReport, writeReport } from "./report.ts";
export { executeRun, type PreparedRun, prepareRun, RunInputError } from "./run.ts";
export { generateSampleCandles, SAMPLE_SYMBOL, seededRandom } from "./sample.ts";
export { type Direction, type Sizing, sizeOrder } from "./sizing.ts";
export { type RoundTrip, roundTrips } from "./trips.ts";
export { type BacktestVenue, PaperVenueAdapter, type VenueCosts } from "./venue.ts";
