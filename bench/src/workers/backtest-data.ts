/**
 * The backtest-throughput data set, written once and read by every engine:
 *   bun bench/src/workers/backtest-data.ts --events=1000000 --dir=bench/out/backtest-data
 * `ticks.csv` (ts,symbol,price,quantity, one a second) and `bars.csv`
 * (ts,symbol,interval,open,high,low,close,volume, 1m bars, ts = the open), both
 * the CSV `just backtest --data` reads. A seeded random walk (mulberry32, the
 * backtest sample's generator), so the same bytes on every machine.
 *
 * Prices are whole numbers (tick 1): moving-average sums of integers are exact
 * in floating point whatever the order of the additions, so the crossovers of
 * JTS's RollingWindow, nautilus_trader's and pandas' averages are the same
 * events. Quantities are at least the strategy's 10 units and volumes far
 * above it, so every market order fills whole at one price on every engine.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CANDLE_HEADER, seededRandom, TICK_HEADER } from "@jts/backtest";
import { emit, flags, num, runChild } from "../lib/child.ts";

export const BACKTEST_SYMBOL = "XYZ";
const SEED = 20261207;
const START_NS = 1_704_067_200_000_000_000n; // 2024-01-01T00:00:00Z
const START_PRICE = 10_000;

/** One step of the walk: -3..+3, pulled back toward the start price so 1M steps stay in range. */
function walker(seed: number) {
  const random = seededRandom(seed);
  let price = START_PRICE;
  return {
    random,
    step(): number {
      const pull = (START_PRICE - price) / 4000; // about +-0.5 at +-2000 away
      price += Math.round((random() - 0.5) * 6 + pull);
      if (price < 1000) price = 1000;
      return price;
    },
  };
}

export function writeData(dir: string, events: number): { ticks: string; bars: string } {
  mkdirSync(dir, { recursive: true });
  const ticks = join(dir, "ticks.csv");
  const bars = join(dir, "bars.csv");

  const t = walker(SEED);
  const tickLines: string[] = [TICK_HEADER];
  for (let i = 0; i < events; i++) {
    const ts = START_NS + BigInt(i) * 1_000_000_000n;
    tickLines.push(`${ts},${BACKTEST_SYMBOL},${t.step()},${10 + Math.floor(t.random() * 90)}`);
  }
  writeFileSync(ticks, `${tickLines.join("\n")}\n`);

  const b = walker(SEED + 1);
  const barLines: string[] = [CANDLE_HEADER];
  for (let i = 0; i < events; i++) {
    const ts = START_NS + BigInt(i) * 60_000_000_000n;
    const open = b.step();
    const mid1 = b.step();
    const mid2 = b.step();
    const close = b.step();
    const high = Math.max(open, mid1, mid2, close);
    const low = Math.min(open, mid1, mid2, close);
    const volume = 1000 + Math.floor(b.random() * 9000);
    barLines.push(`${ts},${BACKTEST_SYMBOL},1m,${open},${high},${low},${close},${volume}`);
  }
  writeFileSync(bars, `${barLines.join("\n")}\n`);
  return { ticks, bars };
}

if (import.meta.main)
  runChild(async () => {
    const args = flags();
    const events = num(args, "events", 1_000_000);
    const dir = args.dir ?? "bench/out/backtest-data";
    emit("result", { ...writeData(dir, events), events });
  });
