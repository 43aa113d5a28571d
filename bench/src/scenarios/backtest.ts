import { existsSync } from "node:fs";
import { join } from "node:path";
import { BACKTEST_RULES } from "../lib/backtest-rules.ts";
import { outPath, ROOT_DIR } from "../lib/paths.ts";
import { run, runToResult } from "../lib/proc.ts";
import { type Context, fmt, type Outcome, profileWorker, runWorker, type Scenario } from "../lib/scenario.ts";
import { median } from "../lib/stats.ts";

/** The Python baselines, pinned: nautilus_trader 1.221.0 is the newest wheel for this machine's Python 3.11. */
export const PYTHON_PINS = ["nautilus_trader==1.221.0", "backtesting==0.6.6"];
const VENV = outPath("pyvenv", "x").replace(/\/x$/, "");
const PYTHON = join(VENV, "bin/python");

export interface EngineRun {
  engine: string;
  events: number;
  loadSeconds: number;
  wallSeconds: number;
  cpuSeconds: number;
  eventsPerSec: number;
  eventsPerCpuSec: number;
  fills: number;
  roundTrips: number;
  finalEquity: string;
  finalPosition: string;
  fees: string;
}

type Data = "ticks" | "bars";
type Engine = "jts" | "nautilus_trader" | "backtesting.py";
/** Which engine replays which data set: backtesting.py has no tick data. */
const RUNS: Array<{ engine: Engine; data: Data }> = [
  { engine: "jts", data: "ticks" },
  { engine: "nautilus_trader", data: "ticks" },
  { engine: "jts", data: "bars" },
  { engine: "nautilus_trader", data: "bars" },
  { engine: "backtesting.py", data: "bars" },
];
const key = (engine: Engine, data: Data) => `${engine}/${data}`;

/**
 * The venv with the pinned baselines, made (or completed) by the scenario
 * itself; null when it works, else why it cannot be had (no python3, pip
 * cannot reach PyPI, no wheel for this Python).
 */
async function pythonBaselines(ctx: Context): Promise<string | null> {
  const check = `import importlib.metadata as m; print(m.version("nautilus_trader"), m.version("backtesting"))`;
  const wanted = PYTHON_PINS.map((p) => p.split("==")[1]).join(" ");
  const installed = async () => (existsSync(PYTHON) ? (await run([PYTHON, "-c", check]).catch(() => "")).trim() : "");
  if ((await installed()) === wanted) return null;
  try {
    if (!existsSync(PYTHON)) {
      ctx.log(`creating ${VENV.replace(`${ROOT_DIR}/`, "")} (python3 -m venv)`);
      await run(["python3", "-m", "venv", VENV]);
    }
    ctx.log(`pip install ${PYTHON_PINS.join(" ")} (about 110 MB the first time)`);
    await run([PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", ...PYTHON_PINS]);
  } catch (error) {
    const message = (error as Error).message;
    const why = message.match(/ERROR: .*/g)?.at(-1) ?? message.slice(-300);
    return `pip could not install ${PYTHON_PINS.join(", ")}: ${why.replace(/\s+/g, " ").trim()}`;
  }
  const now = await installed();
  return now === wanted ? null : `the venv holds ${now || "nothing importable"}, not ${wanted}`;
}

function engineRun(engine: Engine, file: string): Promise<EngineRun> {
  const { fastPeriod, slowPeriod, quantity, fee, cash } = BACKTEST_RULES;
  const timeoutMs = 1_800_000;
  if (engine === "jts") return runWorker("backtest-jts.ts", [`--data=${file}`], { timeoutMs }) as Promise<never>;
  const script = engine === "nautilus_trader" ? "nautilus_backtest.py" : "backtestingpy_backtest.py";
  const args = [
    `--fast=${fastPeriod}`,
    `--slow=${slowPeriod}`,
    `--quantity=${quantity}`,
    `--fee=${fee}`,
    `--cash=${cash}`,
  ];
  return runToResult(
    engine.replace(".", ""),
    [PYTHON, join(ROOT_DIR, "bench/baselines", script), `--data=${file}`, ...args],
    { timeoutMs, env: { PYTHONUNBUFFERED: "1" } },
  ) as Promise<never>;
}

/** Same trades and the same final equity to the cent: the fill rules are the same, so the results must be. */
export function differences(jts: EngineRun, other: EngineRun): string[] {
  const out: string[] = [];
  if (other.events !== jts.events) out.push(`events ${other.events} vs JTS ${jts.events}`);
  if (other.fills !== jts.fills) out.push(`fills ${other.fills} vs JTS ${jts.fills}`);
  const gap = Math.abs(Number(other.finalEquity) - Number(jts.finalEquity));
  if (!(gap < 0.01)) out.push(`final equity ${other.finalEquity} vs JTS ${jts.finalEquity}`);
  return out;
}

export function backtestScenario(): Scenario {
  const events = (ctx: Context) => (ctx.smoke ? 20_000 : 1_000_000);
  return {
    id: "backtest-throughput",
    title: "16. Backtest throughput: 1M ticks and 1M 1m bars, JTS against nautilus_trader and backtesting.py",
    async run(ctx): Promise<Outcome> {
      const n = events(ctx);
      const dir = outPath(`backtest-data-${n}`, "x").replace(/\/x$/, "");
      ctx.log(`writing ${n} ticks and ${n} bars to ${dir.replace(`${ROOT_DIR}/`, "")}`);
      const files = (await runWorker("backtest-data.ts", [`--events=${n}`, `--dir=${dir}`], {
        timeoutMs: 300_000,
      })) as { ticks: string; bars: string };
      const missing = await pythonBaselines(ctx);
      if (missing) ctx.log(`baselines not measured: ${missing}`);
      const runs: Array<Record<string, EngineRun>> = [];
      for (let rep = 1; rep <= ctx.reps; rep++) {
        const done: Record<string, EngineRun> = {};
        for (const { engine, data } of RUNS) {
          if (engine !== "jts" && missing) continue;
          ctx.log(`backtest-throughput rep ${rep}/${ctx.reps}: ${engine} on ${n} ${data}`);
          done[key(engine, data)] = await engineRun(engine, data === "ticks" ? files.ticks : files.bars);
        }
        runs.push(done);
      }
      const value = (engine: Engine, data: Data, field: "eventsPerCpuSec" | "eventsPerSec") =>
        runs.map((r) => r[key(engine, data)]?.[field] ?? Number.NaN);
      const ratio = (data: Data) =>
        runs.map((r) => {
          const jts = r[key("jts", data)];
          const nautilus = r[key("nautilus_trader", data)];
          return jts && nautilus ? jts.eventsPerCpuSec / nautilus.eventsPerCpuSec : Number.NaN;
        });
      const mismatches: string[] = [];
      const mismatchCounts = runs.map((r, i) => {
        let count = 0;
        for (const { engine, data } of RUNS) {
          const jts = r[key("jts", data)];
          const other = r[key(engine, data)];
          if (engine === "jts" || !jts || !other) continue;
          const found = differences(jts, other);
          if (found.length > 0) {
            count++;
            mismatches.push(`rep ${i + 1}, ${engine} on ${data}: ${found.join("; ")}`);
          }
        }
        return count;
      });
      const unavailable: Record<string, string> = {};
      if (missing)
        for (const metric of ["ticksJtsOverNautilus", "barsJtsOverNautilus", "resultMismatches"])
          unavailable[metric] = missing;
      const first = runs[0] ?? {};
      const rows = RUNS.filter(({ engine, data }) => first[key(engine, data)]).map(({ engine, data }) => {
        const results = runs.map((r) => r[key(engine, data)] as EngineRun);
        const perCpu = results.map((r) => r.eventsPerCpuSec);
        const sample = results[0] as EngineRun;
        return [
          engine,
          data,
          fmt(median(perCpu), 0),
          `${fmt(Math.min(...perCpu), 0)} - ${fmt(Math.max(...perCpu), 0)}`,
          fmt(median(results.map((r) => r.eventsPerSec)), 0),
          fmt(median(results.map((r) => r.loadSeconds)), 1),
          sample.fills,
          sample.roundTrips,
          sample.finalEquity,
          sample.fees,
        ];
      });
      return {
        metrics: {
          ...(missing
            ? {}
            : {
                ticksJtsOverNautilus: ratio("ticks"),
                barsJtsOverNautilus: ratio("bars"),
                resultMismatches: mismatchCounts,
                nautilusTicksPerCpuSec: value("nautilus_trader", "ticks", "eventsPerCpuSec"),
                nautilusBarsPerCpuSec: value("nautilus_trader", "bars", "eventsPerCpuSec"),
                backtestingPyBarsPerCpuSec: value("backtesting.py", "bars", "eventsPerCpuSec"),
              }),
          jtsTicksPerCpuSec: value("jts", "ticks", "eventsPerCpuSec"),
          jtsBarsPerCpuSec: value("jts", "bars", "eventsPerCpuSec"),
          jtsTicksPerSec: value("jts", "ticks", "eventsPerSec"),
          jtsBarsPerSec: value("jts", "bars", "eventsPerSec"),
        },
        unavailable,
        tables: [
          {
            title: `Events per CPU second replaying ${n} events (median and range of ${ctx.reps} repetitions), trades and final equity`,
            headers: [
              "engine",
              "data",
              "events/CPU-s",
              "range",
              "events/s (wall)",
              "load s",
              "fills",
              "round trips",
              "final equity",
              "fees",
            ],
            rows,
          },
        ],
        notes: [
          `One data set for every engine, written once by bench/src/workers/backtest-data.ts (seeded walk, whole-number prices, tick 1): ticks.csv and bars.csv in the format \`just backtest --data\` reads; the Python baselines read the same files with pandas.`,
          `Same rules everywhere: MA crossover ${BACKTEST_RULES.fastPeriod}/${BACKTEST_RULES.slowPeriod} (simple means of the trade price or the close; JTS's ma-crossover built-in, re-written event for event in bench/baselines/), long only, ${BACKTEST_RULES.quantity} units a trade, market orders filled at once at the event's own price (JTS \`--fill close\`, nautilus_trader's default, backtesting.py \`trade_on_close=True\`), fee ${BACKTEST_RULES.fee} of the notional a side, no slippage or spread, cash ${BACKTEST_RULES.cash} USD. So fills and final equity must be equal (to the cent; backtesting.py books in floats); \`resultMismatches\` counts the engine runs that differ.`,
          "Events per CPU second: the replay's CPU time in its own process (JTS: `executeRun`, the replay plus the report's metrics; nautilus_trader: `engine.run()`; backtesting.py: `Backtest.run`), loading and parsing the CSV apart (`load s`). Bun's GC threads count against JTS. Wall events/s is shown too; on the shared 2-core machine it swings with the other engineers' load.",
          "backtesting.py replays bars only (it has no tick data); it precomputes the averages as vectorized indicators and runs a Python `next()` per bar.",
          ...mismatches,
        ],
        details: runs,
      };
    },
    async profile(ctx) {
      const n = events(ctx);
      return profileWorker("backtest-jts.ts", [`--data=${outPath(`backtest-data-${n}`, "ticks.csv")}`]);
    },
  };
}
