/**
 * One JTS backtest over the throughput data set, through the path
 * `just backtest` takes (parseOptions, prepareRun, executeRun):
 *   bun bench/src/workers/backtest-jts.ts --data=bench/out/backtest-data/ticks.csv
 * The MA crossover (10/30, 10 units, long only), fills at the event's own
 * price (`--fill close`: the tick, or the bar's close), fee 0.1% a side, no
 * slippage, 24/7. Reports the replay's wall and CPU time (executeRun, which
 * includes the metrics) apart from loading the CSV.
 */
import { readFile } from "node:fs/promises";
import { executeRun, parseOptions, prepareRun } from "@jts/backtest";
import { BACKTEST_RULES } from "../lib/backtest-rules.ts";
import { emit, flags, runChild } from "../lib/child.ts";

export function backtestArgv(data: string): string[] {
  const { fastPeriod, slowPeriod, quantity, fee, cash } = BACKTEST_RULES;
  return [
    "--data",
    data,
    "--strategy",
    "ma-crossover",
    "--params",
    JSON.stringify({ fastPeriod, slowPeriod, quantity: String(quantity) }),
    "--currency",
    "USD",
    "--tick",
    "1",
    "--lot",
    "1",
    "--fee",
    fee,
    "--cash",
    String(cash),
    "--fill",
    "close",
    "--sessions",
    "24/7",
    "--quiet",
  ];
}

const cpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

if (import.meta.main)
  runChild(async () => {
    const args = flags();
    if (!args.data) throw new Error("--data=FILE is required");
    const settings = parseOptions(backtestArgv(args.data));
    const loadStart = performance.now();
    const run = await prepareRun(settings, { readFile: (path) => readFile(path, "utf8") });
    const loadSeconds = (performance.now() - loadStart) / 1000;
    Bun.gc(true);
    const cpu0 = cpuSeconds();
    const wall0 = performance.now();
    const { result, metrics } = await executeRun(run);
    const wallSeconds = (performance.now() - wall0) / 1000;
    const cpu = cpuSeconds() - cpu0;
    emit("result", {
      engine: "jts",
      events: result.events,
      loadSeconds,
      wallSeconds,
      cpuSeconds: cpu,
      eventsPerSec: result.events / wallSeconds,
      eventsPerCpuSec: result.events / cpu,
      fills: metrics.fills,
      refused: metrics.rejected,
      roundTrips: metrics.roundTrips,
      finalEquity: metrics.endingEquity,
      finalPosition: metrics.finalPosition,
      fees: metrics.fees,
    });
  });
