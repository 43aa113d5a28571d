#!/usr/bin/env bun
/**
 * `just optimize [options]`: many backtests of one strategy over a grid or a
 * random sample of its parameters, optionally walk-forward, spread over worker
 * threads (one per core by default). Every `just backtest` flag sets the
 * backtest each combination starts from. Prints the best combinations with
 * their in-sample and out-of-sample objective side by side, the walk-forward
 * windows' picks and a heatmap of two parameters, and writes result.json and
 * rows.csv. `--help` lists the options.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  OPTIMIZATION_MAX_COMBINATIONS,
  OPTIMIZATION_MAX_RUNS,
  OPTIMIZATION_OBJECTIVES,
  type OptimizationObjective,
  type OptimizationResult,
  type ParamRange,
  type WalkForward,
} from "@jts/contracts";
import { parseHolidays } from "@jts/kit";
import { heatmapCells, heatmapText, rowsCsv, rowsTable } from "./optimize/format.ts";
import { runOptimization } from "./optimize/job.ts";
import { DEFAULT_SAMPLES, flagValue, planOptimization, type SearchSpec } from "./optimize/plan.ts";
import { defaultWorkers } from "./optimize/pool.ts";
import { OptimizationError } from "./optimize/search.ts";
import { OptionError } from "./options.ts";
import { progressBar } from "./progress.ts";
import { RunInputError } from "./run.ts";

const REPO = resolve(import.meta.dir, "../../..");

export const OPTIMIZE_USAGE = `usage: just optimize --range NAME=SPEC [--range ...] [options] [just backtest options]
Search
  --range NAME=MIN:MAX:STEP  a parameter of the strategy's schema from MIN to MAX in steps of STEP
  --range NAME=V1,V2,...     or exactly these values (repeat --range per parameter)
  --method grid|random       every combination (default grid) or a seeded random sample of distinct ones
  --samples N                random: combinations to draw (default ${DEFAULT_SAMPLES})
  --seed N                   random: the seed; the same seed draws the same combinations (default 1)
  --objective METRIC         ${OPTIMIZATION_OBJECTIVES.join(" | ")} (default sharpe;
                             maxDrawdownPct is minimized, the rest maximized)
  --walk-forward IS:OOS[:STEP]
                             rolling windows in bars: in-sample IS, then out-of-sample OOS, moved by
                             STEP (default OOS); default: one run over all the data, in sample only
Run
  --workers N                worker threads (default: the cores, ${defaultWorkers()} here)
  --top N                    rows to print (default 20; result.json and rows.csv hold them all)
  --heatmap X,Y              the two parameters of the heatmap (default: the first two ranged)
  --out DIR                  where result.json and rows.csv go (default .data/optimizations/<kind>-<symbol>-<time>)
Limits: at most ${OPTIMIZATION_MAX_COMBINATIONS} combinations and ${OPTIMIZATION_MAX_RUNS} backtests (combinations x windows).
The other options are \`just backtest\`'s (\`just backtest --help\`): --strategy, --params (the values of the
parameters not ranged), --data, --clickhouse, --fee, --sizing, --cash, ...
Example: just optimize --strategy ma-crossover --range fastPeriod=5:20:5 --range slowPeriod=30,60,90 --walk-forward 960:480`;

export interface OptimizeFlags {
  help: boolean;
  spec: SearchSpec;
  workers: number;
  top: number;
  heatmap?: [string, string];
  out?: string;
  /** Everything else: `just backtest` flags. */
  backtestArgv: string[];
}

/** Takes the optimizer's own flags out of argv; the rest are checked later as `just backtest` flags. Throws OptionError. */
export function parseOptimizeFlags(argv: string[]): OptimizeFlags {
  const ranges: Record<string, ParamRange> = {};
  const rest: string[] = [];
  let method: SearchSpec["method"] = "grid";
  let objective: OptimizationObjective = "sharpe";
  let samples: number | undefined;
  let seed: number | undefined;
  let walkForward: WalkForward | undefined;
  let workers = defaultWorkers();
  let top = 20;
  let heatmap: [string, string] | undefined;
  let out: string | undefined;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] =
      arg.startsWith("--") && arg.includes("=") && !arg.startsWith("--range=")
        ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
        : [arg, undefined];
    const value = () => {
      if (inline !== undefined) return inline;
      const next = argv[++i];
      if (next === undefined) throw new OptionError(`${flag} needs a value; see --help`);
      return next;
    };
    switch (flag) {
      case "--help":
        help = true;
        break;
      case "--range": {
        const [name, range] = parseRange(value());
        if (ranges[name]) throw new OptionError(`--range ${name}: given twice`);
        ranges[name] = range;
        break;
      }
      case "--method": {
        const v = value();
        if (v !== "grid" && v !== "random") throw new OptionError(`--method ${v}: expected grid or random`);
        method = v;
        break;
      }
      case "--samples":
        samples = whole("--samples", value(), 1);
        break;
      case "--seed":
        seed = whole("--seed", value(), 0);
        break;
      case "--objective": {
        const v = value();
        if (!OPTIMIZATION_OBJECTIVES.includes(v as OptimizationObjective))
          throw new OptionError(`--objective ${v}: expected one of ${OPTIMIZATION_OBJECTIVES.join(", ")}`);
        objective = v as OptimizationObjective;
        break;
      }
      case "--walk-forward": {
        const v = value();
        const parts = v.split(":");
        if (parts.length < 2 || parts.length > 3)
          throw new OptionError(`--walk-forward ${v}: expected IS:OOS or IS:OOS:STEP (bars)`);
        const [inSample, outOfSample, step] = parts.map((p) => whole("--walk-forward", p, 1)) as number[];
        walkForward = { inSample: inSample as number, outOfSample: outOfSample as number, ...(step ? { step } : {}) };
        break;
      }
      case "--workers":
        workers = whole("--workers", value(), 1);
        break;
      case "--top":
        top = whole("--top", value(), 1);
        break;
      case "--heatmap": {
        const v = value();
        const names = v.split(",");
        if (names.length !== 2 || names.some((n) => n === ""))
          throw new OptionError(`--heatmap ${v}: expected two parameter names, X,Y`);
        heatmap = names as [string, string];
        break;
      }
      case "--out":
        out = value();
        break;
      default:
        rest.push(arg);
    }
  }
  if (samples !== undefined && method !== "random") throw new OptionError("--samples is for --method random");
  if (heatmap?.some((name) => !ranges[name]))
    throw new OptionError(`--heatmap ${heatmap.join(",")}: both must be ranged parameters`);
  return {
    help,
    spec: {
      ranges,
      method,
      objective,
      ...(samples !== undefined ? { samples } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(walkForward ? { walkForward } : {}),
    },
    workers,
    top,
    heatmap,
    out,
    backtestArgv: rest,
  };
}

/** `NAME=MIN:MAX:STEP` or `NAME=V1,V2,...`. */
export function parseRange(text: string): [string, ParamRange] {
  const at = text.indexOf("=");
  const name = text.slice(0, at);
  const spec = text.slice(at + 1);
  if (at < 1 || spec === "") throw new OptionError(`--range ${text}: expected NAME=MIN:MAX:STEP or NAME=V1,V2,...`);
  if (spec.includes(":")) {
    const parts = spec.split(":");
    const numbers = parts.map(Number);
    if (parts.length !== 3 || parts.some((p) => p.trim() === "") || numbers.some((n) => !Number.isFinite(n)))
      throw new OptionError(`--range ${text}: expected NAME=MIN:MAX:STEP with three numbers`);
    const [min, max, step] = numbers as [number, number, number];
    return [name, { min, max, step }];
  }
  // Kept as text: the optimizer types each value as the strategy's schema has the parameter.
  const values = spec.split(",").map((v) => (v === "true" || v === "false" ? v === "true" : v));
  return [name, { values }];
}

function whole(flag: string, text: string, min: number): number {
  if (!/^\d{1,9}$/.test(text) || Number(text) < min)
    throw new OptionError(`${flag} ${text}: expected a whole number from ${min}`);
  return Number(text);
}

async function main(argv: string[]): Promise<number> {
  let flags: OptimizeFlags;
  try {
    flags = parseOptimizeFlags(argv);
  } catch (error) {
    if (error instanceof OptionError) return fail(error.message);
    throw error;
  }
  if (flags.help) {
    console.log(OPTIMIZE_USAGE);
    return 0;
  }
  const started = performance.now();
  let plan: Awaited<ReturnType<typeof planOptimization>>;
  try {
    const backtestFlags = flags.backtestArgv;
    const instrumentPath = flagValue(backtestFlags, "--instrument");
    const holidaysPath = flagValue(backtestFlags, "--holidays");
    plan = await planOptimization(
      {
        argv: backtestFlags,
        readFiles: true,
        ...(instrumentPath ? { instrumentFile: JSON.parse(await readFile(instrumentPath, "utf8")) } : {}),
        ...(holidaysPath ? { holidays: parseHolidays(await readFile(holidaysPath, "utf8")) } : {}),
      },
      flags.spec,
      { readFile: (path) => readFile(path, "utf8") },
    );
  } catch (error) {
    if (error instanceof OptionError || error instanceof RunInputError || error instanceof OptimizationError)
      return fail(error.message);
    throw error;
  }
  const { settings } = plan;
  const heatmap = flags.heatmap ?? (plan.ranged.length >= 2 ? [plan.ranged[0], plan.ranged[1]] : undefined);
  const workers = Math.min(flags.workers, plan.tasks.length);
  console.error(
    `optimize: ${settings.kind} on ${plan.symbol} (${plan.source}, ${plan.bars} bars): ${plan.combinations.length} combinations x ${plan.windows.length} window(s) = ${plan.tasks.length} backtests on ${workers} worker(s)${plan.skipped > 0 ? `; ${plan.skipped} skipped (${plan.skippedReason})` : ""}`,
  );
  const showProgress =
    settings.progress === "always" || (settings.progress === "auto" && process.stderr.isTTY === true);
  const bar = progressBar("optimize");
  const result = await runOptimization(plan, flags.workers, showProgress ? bar.update : undefined).result;
  process.stdout.write(report(result, flags.top, heatmap as [string, string] | undefined, settings.kind));
  const stamp = new Date().toISOString().replace(/[-:]/g, "").slice(0, 15);
  const dir = flags.out ?? join(REPO, ".data/optimizations", `${settings.kind}-${plan.symbol}-${stamp}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "result.json"), `${JSON.stringify({ request: flags.spec, result }, null, 2)}\n`);
  await writeFile(join(dir, "rows.csv"), rowsCsv(result));
  console.error(
    `optimize: ${plan.tasks.length} backtests in ${((performance.now() - started) / 1000).toFixed(1)} s on ${result.workers} worker(s); written: ${join(dir, "result.json")}, ${join(dir, "rows.csv")}`,
  );
  return 0;
}

function report(result: OptimizationResult, top: number, heatmap: [string, string] | undefined, kind: string): string {
  const lines = [
    `${kind} on ${result.symbol}, objective ${result.objective}${result.objective === "maxDrawdownPct" ? " (lower is better)" : ""}`,
    "",
    rowsTable(result, top),
  ];
  if (result.windows.length > 0) {
    lines.push("", "Walk-forward: each window's best in-sample combination, then how it did out of sample");
    for (const [i, w] of result.windows.entries())
      lines.push(
        `  ${String(i + 1).padStart(3)}  IS bars ${w.inSample.from}-${w.inSample.to}  OOS ${w.outOfSample.from}-${w.outOfSample.to}  ${JSON.stringify(w.best)}  IS ${w.score ?? "n/a"}  OOS ${w.outOfSampleScore ?? "n/a"}`,
      );
  }
  if (heatmap) {
    const cells = heatmapCells(result, heatmap[0], heatmap[1]);
    lines.push("", `Heatmap of in-sample ${result.objective} (best over the other parameters)`, heatmapText(cells));
  }
  return `${lines.join("\n")}\n`;
}

function fail(message: string): number {
  console.error(`optimize: ${message}`);
  return 2;
}

if (import.meta.main)
  main(Bun.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`optimize: ${(error as Error).message}`);
      process.exit(1);
    },
  );
