import { join } from "node:path";
import { outPath, ROOT_DIR } from "./paths.ts";
import { runToResult } from "./proc.ts";

export interface Context {
  /** Seconds-long runs with tiny sizes: checks that the harness works, proves nothing. */
  smoke: boolean;
  /** Repetitions of every measurement (at least 3 in a full run). */
  reps: number;
  log(message: string): void;
}

export interface Table {
  title: string;
  headers: string[];
  rows: Array<Array<string | number>>;
}

/** An SVG chart written beside the report (bench/ or bench/out/) and embedded in it. */
export interface Figure {
  /** File name, no folder: "scale-rate.svg". */
  file: string;
  title: string;
  svg: string;
}

export interface Outcome {
  /** Named metrics, one value per repetition; targets refer to them. */
  metrics: Record<string, number[]>;
  /** Metrics that could not be measured here, with the reason. */
  unavailable?: Record<string, string>;
  tables?: Table[];
  figures?: Figure[];
  notes?: string[];
  /** Raw per-repetition results, kept in report.json. */
  details?: unknown;
}

export interface Profile {
  /** Where the full profile lies (bench/out, git-ignored). */
  files: string[];
  /** The top of the hot-function table (self time). */
  hot: string[];
  summary: string;
}

export interface Scenario {
  id: string;
  title: string;
  run(ctx: Context): Promise<Outcome>;
  /** Re-runs the work under Bun's CPU profiler; called when one of the scenario's targets is missed. */
  profile?(ctx: Context): Promise<Profile>;
}

/** `bun bench/src/workers/<file> ...args` as a child process, returning its `@@result`. */
export function runWorker(
  file: string,
  args: string[],
  options: { env?: Record<string, string>; timeoutMs?: number; name?: string } = {},
) {
  return runToResult(
    options.name ?? file.replace(/\.ts$/, ""),
    ["bun", join(ROOT_DIR, "bench/src/workers", file), ...args],
    options,
  );
}

/** Runs a worker under `bun --cpu-prof --cpu-prof-md` and returns the top of its hot-function table. */
export async function profileWorker(file: string, args: string[], options: { env?: Record<string, string> } = {}) {
  const dir = outPath("profiles", `${file.replace(/\.ts$/, "")}-${Date.now()}`, "x").replace(/\/x$/, "");
  await runToResult(
    `profile-${file.replace(/\.ts$/, "")}`,
    ["bun", "--cpu-prof", "--cpu-prof-md", `--cpu-prof-dir=${dir}`, join(ROOT_DIR, "bench/src/workers", file), ...args],
    options,
  );
  // The profile is written when the worker exits, just after its @@result.
  for (let i = 0; i < 100; i++) {
    const files = [...new Bun.Glob("*.md").scanSync(dir)];
    if (files.length > 0) return readProfile(dir);
    await Bun.sleep(100);
  }
  return { files: [], hot: [], summary: "the profiler wrote no file" } satisfies Profile;
}

/** Top self-time rows of a Bun markdown CPU profile in `dir`. */
export async function readProfile(dir: string, rows = 15): Promise<Profile> {
  let files: string[] = [];
  try {
    files = [...new Bun.Glob("*").scanSync(dir)].map((f) => join(dir, f));
  } catch {
    return { files, hot: [], summary: `no profile in ${dir}` };
  }
  const md = files.find((f) => f.endsWith(".md"));
  if (!md) return { files, hot: [], summary: "no markdown profile" };
  const text = await Bun.file(md).text();
  const summary = text.match(/\*\*Top 10:\*\*.*$/m)?.[0] ?? "";
  const start = text.indexOf("## Hot Functions (Self Time)");
  const table = text
    .slice(start)
    .split("\n")
    .filter((l) => l.startsWith("|"))
    .slice(0, rows + 2)
    .map((l) => l.replaceAll(`${ROOT_DIR}/`, "").replace(/node_modules\/\.bun\/[^/]+\/node_modules\//g, ""));
  return { files: files.map((f) => f.replace(`${ROOT_DIR}/`, "")), hot: table, summary };
}

export const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");
