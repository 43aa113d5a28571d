/**
 * One backtest from checked settings to a result: the path `just backtest`
 * (main.ts) and the PWA's runs (job.ts, through the gateway) share, so the
 * same inputs give the same report whichever started it.
 */
import { KRX_MARKETS } from "@jts/broker-paper";
import { fx, type Instrument, type StrategyConfig } from "@jts/contracts";
import { ALWAYS_OPEN, InstrumentCatalog, krxSchedule, type SessionSchedule } from "@jts/kit";
import { type BacktestResult, defaultSessions, runBacktest } from "./backtest.ts";
import { HistoryTooLongError, loadClickHouseCandles } from "./clickhouse.ts";
import { CsvError, eventSymbol, type MarketEvent, parseCsv } from "./csv.ts";
import { InstrumentError, resolveInstrument } from "./instrument.ts";
import { type BacktestMetrics, computeMetrics } from "./metrics.ts";
import type { CliSettings } from "./options.ts";
import { generateSampleCandles } from "./sample.ts";
import type { VenueCosts } from "./venue.ts";

/** Input that cannot run (no events, no instrument definition, a bad CSV): the CLI exits 2, the gateway answers 422. */
export class RunInputError extends Error {}

/** What the settings name, read and checked, ready to replay. */
export interface PreparedRun {
  settings: CliSettings;
  events: MarketEvent[];
  source: string;
  catalog: InstrumentCatalog;
  strategy: StrategyConfig;
  holidays: string[];
}

export interface RunInputs {
  /** `--instrument FILE`'s parsed JSON. */
  instrumentFile?: unknown;
  /** `--holidays FILE`'s dates. */
  holidays?: string[];
  /** CSV text given directly (the PWA's upload) instead of `--data FILE`. */
  csv?: string;
  /** Reads `--data FILE` (the CLI); absent, a `data` setting is an error. */
  readFile?: (path: string) => Promise<string>;
  /** The most bars (or ticks) the data may hold: a history range past it is refused after reading one more. */
  maxBars?: number;
}

/** Loads the events and resolves the instrument; throws RunInputError for input that cannot run. */
export async function prepareRun(settings: CliSettings, inputs: RunInputs = {}): Promise<PreparedRun> {
  const { events, source } = await loadEvents(settings, inputs);
  if (inputs.maxBars !== undefined && events.length > inputs.maxBars)
    throw new RunInputError(
      `the data holds ${events.length} bars or ticks, more than the ${inputs.maxBars} one run may replay`,
    );
  const symbol = settings.symbol ?? (events[0] ? eventSymbol(events[0]) : undefined);
  if (!symbol) throw new RunInputError("the data holds no events");
  const first = events.find((e) => eventSymbol(e) === symbol);
  if (!first) throw new RunInputError(`the data holds no events for ${symbol}`);
  const catalog = new InstrumentCatalog();
  let instrument: Instrument;
  try {
    instrument = resolveInstrument(symbol, catalog.find(symbol), inputs.instrumentFile, settings.instrument);
  } catch (error) {
    if (error instanceof InstrumentError) throw new RunInputError(error.message);
    throw error;
  }
  catalog.upsert([instrument]);
  const strategy: StrategyConfig = {
    id: `backtest-${settings.kind}`,
    kind: settings.kind,
    account: "backtest",
    symbol,
    venue: "sim",
    timeframe: first.kind === "candle" ? first.candle.interval : "tick",
    params: settings.params,
    enabled: true,
  };
  return { settings, events, source, catalog, strategy, holidays: inputs.holidays ?? [] };
}

/** Replays a prepared run; `onProgress` gets (events done, events in all). */
export async function executeRun(
  run: PreparedRun,
  onProgress?: (done: number, total: number) => void,
): Promise<{ result: BacktestResult; metrics: BacktestMetrics }> {
  const { settings } = run;
  const result = await runBacktest({
    strategy: run.strategy,
    events: run.events,
    catalog: run.catalog,
    startingCash: settings.cash,
    limits: settings.limits,
    cooldownMs: settings.cooldownMs,
    fillAt: settings.fillAt,
    sizing: settings.sizing,
    direction: settings.direction,
    sessions: sessionsOf(settings.sessions, run.holidays),
    costs: { ...runFees(settings), slippageBps: settings.slippageBps },
    onProgress,
  });
  return { result, metrics: computeMetrics(result) };
}

/**
 * The run's costs when --fee or --sell-tax says so; otherwise the paper
 * venue's own rates for the instrument and the dated KRX tax table.
 * --sell-tax replaces the table with one flat rate (0 turns the tax off).
 */
function runFees(settings: CliSettings): Pick<VenueCosts, "fees" | "krxTaxRates"> {
  const costs: Pick<VenueCosts, "fees" | "krxTaxRates"> = {};
  if (settings.fee !== undefined || settings.sellTax !== undefined) {
    costs.fees = {
      ...(settings.fee !== undefined ? { maker: settings.fee, taker: settings.fee } : {}),
      krxSellTax: settings.sellTax === undefined || fx.toFixed(settings.sellTax) > 0n,
    };
  }
  if (settings.sellTax !== undefined) {
    const flat = settings.sellTax;
    costs.krxTaxRates = KRX_MARKETS.map((market) => ({
      market,
      from: "1970-01-01",
      transactionTax: flat,
      ruralTax: "0",
    }));
  }
  return costs;
}

function sessionsOf(choice: CliSettings["sessions"], holidays: string[]): (instrument: Instrument) => SessionSchedule {
  const krx = krxSchedule(holidays);
  if (choice === "krx") return () => krx;
  if (choice === "24/7") return () => ALWAYS_OPEN;
  return (instrument) => (defaultSessions(instrument) === ALWAYS_OPEN ? ALWAYS_OPEN : krx);
}

async function loadEvents(
  settings: CliSettings,
  inputs: RunInputs,
): Promise<{ events: MarketEvent[]; source: string }> {
  const csv = async (): Promise<{ text: string; source: string } | null> => {
    if (inputs.csv !== undefined) return { text: inputs.csv, source: "uploaded CSV" };
    if (!settings.data) return null;
    if (!inputs.readFile) throw new RunInputError("a data file cannot be read here");
    return { text: await inputs.readFile(settings.data), source: settings.data };
  };
  const file = await csv();
  if (file) {
    try {
      return { events: parseCsv(file.text), source: file.source };
    } catch (error) {
      if (error instanceof CsvError) throw new RunInputError(error.message);
      throw error;
    }
  }
  if (settings.clickhouse) {
    const where = { url: process.env.CLICKHOUSE_URL || undefined, path: process.env.CHDB_PATH || undefined };
    let events: MarketEvent[];
    try {
      events = await loadClickHouseCandles(settings.clickhouse, where, inputs.maxBars);
    } catch (error) {
      if (error instanceof HistoryTooLongError) throw new RunInputError(error.message);
      throw error;
    }
    return { events, source: `ClickHouse ${settings.clickhouse.symbol} ${settings.clickhouse.interval}` };
  }
  return { events: generateSampleCandles(), source: "generated sample (seeded, BTC-KRW 1m)" };
}
