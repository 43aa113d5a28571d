#!/usr/bin/env bun
/**
 * `just backtest [options]`: replays a CSV (or the market-data history in
 * ClickHouse, or the generated sample when no data is named) through one
 * strategy, the risk engine and the paper broker's matching, then prints a
 * report and writes it with trades and an equity curve. `--help` lists the options.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { KRX_MARKETS } from "@jts/broker-paper";
import { fx, type Instrument, type StrategyConfig } from "@jts/contracts";
import { ALWAYS_OPEN, InstrumentCatalog, krxSchedule, parseHolidays, type SessionSchedule } from "@jts/kit";
import { defaultSessions, runBacktest } from "./backtest.ts";
import { loadClickHouseCandles } from "./clickhouse.ts";
import { eventSymbol, type MarketEvent, parseCsv, toCsv } from "./csv.ts";
import { InstrumentError, resolveInstrument } from "./instrument.ts";
import { computeMetrics } from "./metrics.ts";
import { type CliSettings, OptionError, parseOptions, USAGE } from "./options.ts";
import { progressBar } from "./progress.ts";
import { formatReport, writeReport } from "./report.ts";
import { generateSampleCandles } from "./sample.ts";
import type { VenueCosts } from "./venue.ts";

const REPO = resolve(import.meta.dir, "../../..");

async function main(argv: string[]): Promise<number> {
  let settings: CliSettings;
  try {
    settings = parseOptions(argv);
  } catch (error) {
    if (error instanceof OptionError) return fail(error.message);
    throw error;
  }
  if (settings.help) {
    console.log(USAGE);
    return 0;
  }
  if (settings.generateSample) {
    await writeFile(settings.generateSample, toCsv(generateSampleCandles()));
    console.error(`wrote the sample data set to ${settings.generateSample}`);
    return 0;
  }
  const instrumentFile = settings.instrumentFile ? await readJson(settings.instrumentFile) : undefined;
  if (instrumentFile instanceof Error) return fail(instrumentFile.message);
  let holidays: string[] = [];
  try {
    holidays = settings.holidaysFile ? parseHolidays(await readFile(settings.holidaysFile, "utf8")) : [];
  } catch (error) {
    return fail(`--holidays ${settings.holidaysFile}: ${(error as Error).message}`);
  }

  const { events, source } = await loadEvents(settings);
  const symbol = settings.symbol ?? (events[0] ? eventSymbol(events[0]) : undefined);
  if (!symbol) return fail("the data holds no events");
  const first = events.find((e) => eventSymbol(e) === symbol);
  if (!first) return fail(`the data holds no events for ${symbol}`);
  const catalog = new InstrumentCatalog();
  let instrument: Instrument;
  try {
    instrument = resolveInstrument(symbol, catalog.find(symbol), instrumentFile, settings.instrument);
  } catch (error) {
    if (error instanceof InstrumentError) return fail(error.message);
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
  const showProgress =
    settings.progress === "always" || (settings.progress === "auto" && process.stderr.isTTY === true);
  const bar = progressBar("backtest");
  const result = await runBacktest({
    strategy,
    events,
    catalog,
    startingCash: settings.cash,
    limits: settings.limits,
    cooldownMs: settings.cooldownMs,
    fillAt: settings.fillAt,
    sizing: settings.sizing,
    direction: settings.direction,
    sessions: sessionsOf(settings.sessions, holidays),
    costs: { ...runFees(settings), slippageBps: settings.slippageBps },
    onProgress: showProgress ? (done, total) => bar.update(done, total) : undefined,
  });
  const metrics = computeMetrics(result);
  const text = formatReport(result, metrics, source);
  process.stdout.write(text);
  const stamp = new Date().toISOString().replace(/[-:]/g, "").slice(0, 15);
  const dir = settings.out ?? join(REPO, ".data/backtests", `${settings.kind}-${symbol}-${stamp}`);
  const files = await writeReport(dir, result, metrics, text, source);
  console.error(`report written: ${files.join(", ")}`);
  return 0;
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

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    return new Error(`--instrument ${path}: ${(error as Error).message}`);
  }
}

async function loadEvents(settings: CliSettings): Promise<{ events: MarketEvent[]; source: string }> {
  if (settings.data) return { events: parseCsv(await readFile(settings.data, "utf8")), source: settings.data };
  if (settings.clickhouse) {
    const events = await loadClickHouseCandles(settings.clickhouse, {
      url: process.env.CLICKHOUSE_URL || undefined,
      path: process.env.CHDB_PATH || undefined,
    });
    return { events, source: `ClickHouse ${settings.clickhouse.symbol} ${settings.clickhouse.interval}` };
  }
  return { events: generateSampleCandles(), source: "generated sample (seeded, BTC-KRW 1m)" };
}

function fail(message: string): number {
  console.error(`backtest: ${message}`);
  return 2;
}

main(Bun.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`backtest: ${(error as Error).message}`);
    process.exit(1);
  },
);
