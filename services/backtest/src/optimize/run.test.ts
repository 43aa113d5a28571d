import { describe, expect, it } from "bun:test";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { OptimizationRequest } from "@jts/contracts";
import { requestArgv } from "../job.ts";
import { computeMetrics } from "../metrics.ts";
import { executeRun } from "../run.ts";
import { planRequest, runOptimization } from "./job.ts";
import { loadRun, runTask, summarize } from "./plan.ts";

const request: OptimizationRequest = {
  backtest: {
    kind: "ma-crossover",
    params: { fastPeriod: 10, slowPeriod: 30, quantity: "0.1" },
    source: { type: "sample" },
    fee: "0.0005",
  },
  ranges: { fastPeriod: { values: [5, 10] }, slowPeriod: { values: [30, 60] } },
  method: "grid",
  objective: "sharpe",
  walkForward: { inSample: 1440, outOfSample: 720, step: 720 },
};

describe("an optimization's backtests", () => {
  it("measure the in-sample part as a backtest over those bars alone measures it", async () => {
    const plan = await planRequest({ ...request, walkForward: undefined });
    const run = await loadRun(plan.setup, plan.settings);
    const task = plan.tasks[0];
    if (!task) throw new Error("no task");
    const { inSample, outOfSample } = await runTask(run, task);
    const whole = computeMetrics(
      (await executeRun({ ...run, strategy: { ...run.strategy, params: { ...run.strategy.params, ...task.params } } }))
        .result,
    );
    expect(outOfSample).toBeNull();
    expect(inSample.netPnl).toBe(Number(whole.netPnl));
    expect(inSample.returnPct).toBe(whole.returnPct);
    expect(inSample.maxDrawdownPct).toBe(whole.maxDrawdownPct);
    expect(inSample.sharpe).toBe(whole.sharpe);
    expect(inSample.calmar).toBe(whole.calmar);
    expect(inSample.fills).toBe(whole.fills);
  });

  it("split a window's equity at the boundary: in-sample and out-of-sample P&L add up to the window's", async () => {
    const plan = await planRequest(request);
    const run = await loadRun(plan.setup, plan.settings);
    const task = plan.tasks[0];
    if (!task) throw new Error("no task");
    const { inSample, outOfSample } = await runTask(run, task);
    const window = computeMetrics(
      (
        await executeRun({
          ...run,
          events: run.events.slice(task.from, task.to),
          strategy: { ...run.strategy, params: { ...run.strategy.params, ...task.params } },
        })
      ).result,
    );
    expect(outOfSample).not.toBeNull();
    expect((inSample.netPnl + (outOfSample?.netPnl ?? 0)).toFixed(6)).toBe(Number(window.netPnl).toFixed(6));
    expect(inSample.fills + (outOfSample?.fills ?? 0)).toBe(window.fills);
  });

  it("give the same result on worker threads as on this thread, whatever the worker count", async () => {
    const plan = await planRequest(request);
    const run = await loadRun(plan.setup, plan.settings);
    const here = [];
    for (const task of plan.tasks) here.push(await runTask(run, task));
    const expected = summarize(plan, here, { workers: 0, elapsedMs: 0 });
    let reported = 0;
    const pooled = await runOptimization(plan, 2, (done, total) => {
      expect(total).toBe(plan.tasks.length);
      reported = done;
    }).result;
    expect(reported).toBe(plan.tasks.length);
    expect(pooled.workers).toBe(2);
    expect(pooled.rows).toEqual(expected.rows);
    expect(pooled.windows).toEqual(expected.windows);
    expect(pooled.windows).toHaveLength(2);
    // Rows come best in-sample score first; each window's pick is the best in-sample combination of that window.
    const scores = pooled.rows.map((r) => r.score ?? Number.NEGATIVE_INFINITY);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it("ends its workers when canceled", async () => {
    const plan = await planRequest({ ...request, walkForward: undefined });
    const handle = runOptimization(plan, 2);
    handle.cancel();
    await expect(handle.result).rejects.toThrow("canceled");
  });
});

async function optimize(args: string[]) {
  const proc = Bun.spawn(["bun", join(import.meta.dir, "..", "optimize.ts"), ...args], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { stdout, stderr, code };
}

describe("just optimize", () => {
  it("prints the table with in-sample and out-of-sample columns, the windows and a heatmap, and writes the rows", async () => {
    const out = await mkdtemp(join(tmpdir(), "jts-optimize-"));
    try {
      const { stdout, stderr, code } = await optimize([
        ...requestArgv(request.backtest),
        "--range",
        "fastPeriod=5,10",
        "--range",
        "slowPeriod=30:60:30",
        "--walk-forward",
        "1440:720",
        "--workers",
        "2",
        "--out",
        out,
      ]);
      expect(stderr).toContain("4 combinations x 2 window(s) = 8 backtests on 2 worker(s)");
      expect(code).toBe(0);
      expect(stdout).toContain("IS sharpe  OOS sharpe");
      expect(stdout).toContain("Walk-forward");
      expect(stdout).toContain("slowPeriod \\ fastPeriod");
      const saved = JSON.parse(await readFile(join(out, "result.json"), "utf8"));
      const api = await runOptimization(await planRequest(request), 1).result;
      expect(saved.result.rows).toEqual(api.rows);
      const csv = (await readFile(join(out, "rows.csv"), "utf8")).trim().split("\n");
      expect(csv).toHaveLength(5);
      expect(csv[0]).toStartWith("fastPeriod,slowPeriod,is_netPnl");
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it("refuses bad ranges and flags with exit 2 before running anything", async () => {
    for (const [args, message] of [
      [["--range", "fastPeriod=20:5:5"], "fastPeriod {min 20, max 5, step 5}: min is above max"],
      [["--range", "fastPeriod=5:20:0"], "step must be greater than zero"],
      [["--range", "width=1,2"], "width is not a ma-crossover parameter"],
      [["--range", "fastPeriod=1:200:1", "--range", "slowPeriod=300:1000:1"], "more than 10000"],
      [["--range", "fastPeriod=5,10", "--objective", "luck"], "--objective luck: expected one of"],
      [
        ["--range", "fastPeriod=5,10", "--walk-forward", "5000:1000"],
        "one window needs 6000 bars, the data holds 2880",
      ],
      [["--range", "fastPeriod=5,10", "--samples", "3"], "--samples is for --method random"],
      [["--range", "fastPeriod=5,10", "--fee", "abc"], "--fee abc"],
    ] as const) {
      const { stderr, code, stdout } = await optimize([...args]);
      expect({ code, stderr }).toMatchObject({ code: 2, stderr: expect.stringContaining(message) });
      expect(stdout).toBe("");
    }
  });

  it("lists its options with --help", async () => {
    const { stdout, code } = await optimize(["--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain("--walk-forward IS:OOS[:STEP]");
    expect(stdout).toContain("--workers N");
  });
});
