#!/usr/bin/env bun
/**
 * `just backtest [options]`: replays a CSV (or the market-data history in
 * ClickHouse, or the generated sample when no data is named) through one
 * strategy, the risk engine and the paper broker's matching, then prints a
 * report and writes it with trades and an equity curve. `--help` lists the options.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { type CandleInterval, STRATEGY_KINDS, type StrategyConfig, type StrategyKind } from "@jts/contracts";
import { paramProblems } from "@jts/strategy-engine";
import { runBacktest } from "./backtest.ts";
import { loadClickHouseCandles } from "./clickhouse.ts";
import { eventSymbol, type MarketEvent, parseCsv, toCsv } from "./csv.ts";
import { DEFAULT_BACKTEST_PARAMS } from "./defaults.ts";
import { computeMetrics } from "./metrics.ts";
import { progressBar } from "./progress.ts";
import { formatReport, writeReport } from "./report.ts";
import { generateSampleCandles } from "./sample.ts";

const REPO = resolve(import.meta.dir, "../../..");
const USAGE = `usage: just backtest [options]
  --data FILE             CSV of ticks (ts,symbol,price,quantity) or candles
                          (ts,symbol,interval,open,high,low,close,volume); default: the generated sample
  --clickhouse SYMBOL     replay stored candles instead (CLICKHOUSE_URL, else chdb at CHDB_PATH or .data/chdb)
  --interval 1m|5m|1h|1d  candle interval for --clickhouse (default 1m)
  --from ISO --to ISO     time range for --clickhouse
  --strategy KIND         ${STRATEGY_KINDS.join(" | ")} (default ma-crossover)
  --params JSON           strategy parameters (default: sized for BTC-KRW 1m bars)
  --symbol SYMBOL         which symbol of the data to trade (default: the first)
  --cash DECIMAL          starting cash (default 100000000)
  --cooldown-ms N         least market time between orders (default 0)
  --out DIR               report directory (default .data/backtests/<kind>-<symbol>-<time>)
  --generate-sample FILE  write the sample data set as CSV and exit
  --quiet                 no progress bar`;

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: "string" },
      clickhouse: { type: "string" },
      interval: { type: "string", default: "1m" },
      from: { type: "string" },
      to: { type: "string" },
      strategy: { type: "string", default: "ma-crossover" },
      params: { type: "string" },
      symbol: { type: "string" },
      cash: { type: "string", default: "100000000" },
      "cooldown-ms": { type: "string", default: "0" },
      out: { type: "string" },
      "generate-sample": { type: "string" },
      quiet: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values["generate-sample"]) {
    await writeFile(values["generate-sample"], toCsv(generateSampleCandles()));
    console.error(`wrote the sample data set to ${values["generate-sample"]}`);
    return 0;
  }
  const kind = values.strategy as StrategyKind;
  if (!STRATEGY_KINDS.includes(kind)) return fail(`unknown strategy ${kind}; one of ${STRATEGY_KINDS.join(", ")}`);
  const params = values.params ? JSON.parse(values.params) : DEFAULT_BACKTEST_PARAMS[kind];
  const problems = paramProblems(kind, params);
  if (problems.length > 0) return fail(`invalid ${kind} parameters:\n  ${problems.join("\n  ")}`);

  const { events, source } = await loadEvents(values);
  const symbol = values.symbol ?? (events[0] ? eventSymbol(events[0]) : undefined);
  if (!symbol) return fail("the data holds no events");
  const first = events.find((e) => eventSymbol(e) === symbol);
  const strategy: StrategyConfig = {
    id: `backtest-${kind}`,
    kind,
    account: "backtest",
    symbol,
    venue: "sim",
    timeframe: first?.kind === "candle" ? first.candle.interval : "tick",
    params,
    enabled: true,
  };
  const bar = progressBar("backtest");
  const result = await runBacktest({
    strategy,
    events,
    startingCash: values.cash,
    cooldownMs: Number(values["cooldown-ms"]),
    onProgress: values.quiet ? undefined : (done, total) => bar.update(done, total),
  });
  const metrics = computeMetrics(result);
  const text = formatReport(result, metrics, source);
  process.stdout.write(text);
  const stamp = new Date().toISOString().replace(/[-:]/g, "").slice(0, 15);
  const dir = values.out ?? join(REPO, ".data/backtests", `${kind}-${symbol}-${stamp}`);
  const files = await writeReport(dir, result, metrics, text);
  console.error(`report written: ${files.join(", ")}`);
  return 0;
}

async function loadEvents(values: {
  data?: string;
  clickhouse?: string;
  interval?: string;
  from?: string;
  to?: string;
}): Promise<{ events: MarketEvent[]; source: string }> {
  if (values.data) return { events: parseCsv(await readFile(values.data, "utf8")), source: values.data };
  if (values.clickhouse) {
    const ns = (iso?: string) => (iso ? String(BigInt(Date.parse(iso)) * 1_000_000n) : undefined);
    const events = await loadClickHouseCandles(
      {
        symbol: values.clickhouse,
        interval: (values.interval ?? "1m") as CandleInterval,
        from: ns(values.from),
        to: ns(values.to),
      },
      { url: process.env.CLICKHOUSE_URL || undefined, path: process.env.CHDB_PATH || undefined },
    );
    return { events, source: `ClickHouse ${values.clickhouse} ${values.interval ?? "1m"}` };
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
