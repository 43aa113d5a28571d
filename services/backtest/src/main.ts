#!/usr/bin/env bun
/**
 * `just backtest [options]`: replays a CSV (or the market-data history in
 * ClickHouse, or the generated sample when no data is named) through one
 * strategy, the risk engine and the paper broker's matching, then prints a
 * report and writes it with trades and an equity curve. `--help` lists the options.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseHolidays } from "@jts/kit";
import { toCsv } from "./csv.ts";
import { type CliSettings, OptionError, parseOptions, USAGE } from "./options.ts";
import { progressBar } from "./progress.ts";
import { formatReport, writeReport } from "./report.ts";
import { executeRun, type PreparedRun, prepareRun, RunInputError } from "./run.ts";
import { generateSampleCandles } from "./sample.ts";

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

  const showProgress =
    settings.progress === "always" || (settings.progress === "auto" && process.stderr.isTTY === true);
  const bar = progressBar("backtest");
  let run: PreparedRun;
  try {
    run = await prepareRun(settings, {
      instrumentFile,
      holidays,
      readFile: (path) => readFile(path, "utf8"),
    });
  } catch (error) {
    if (error instanceof RunInputError) return fail(error.message);
    throw error;
  }
  const { source, strategy } = run;
  const symbol = strategy.symbol;
  const { result, metrics } = await executeRun(
    run,
    showProgress ? (done, total) => bar.update(done, total) : undefined,
  );
  const text = formatReport(result, metrics, source);
  process.stdout.write(text);
  const stamp = new Date().toISOString().replace(/[-:]/g, "").slice(0, 15);
  const dir = settings.out ?? join(REPO, ".data/backtests", `${settings.kind}-${symbol}-${stamp}`);
  const files = await writeReport(dir, result, metrics, text, source);
  console.error(`report written: ${files.join(", ")}`);
  return 0;
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    return new Error(`--instrument ${path}: ${(error as Error).message}`);
  }
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
