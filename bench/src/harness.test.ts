import { describe, expect, it } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { decode, encode, merge, newHistogram, record, summarize } from "./lib/hist.ts";
import { outPath, ROOT_DIR } from "./lib/paths.ts";
import { runToResult } from "./lib/proc.ts";
import { evaluateTargets, type Report, renderMarkdown, type ScenarioReport, type Target } from "./lib/report.ts";
import { runWorker } from "./lib/scenario.ts";
import { maxSlidingSum, median, spread } from "./lib/stats.ts";
import { parseWrk } from "./lib/wrk.ts";
import { differences, type EngineRun } from "./scenarios/backtest.ts";

/** These check that the harness produces well-formed results; they judge no timing. */

const isSummary = (s: Record<string, number>) => {
  for (const key of ["count", "p50Us", "p99Us", "p999Us", "maxUs"]) expect(Number.isFinite(s[key])).toBe(true);
  expect(s.p50Us).toBeLessThanOrEqual(s.p99Us as number);
  expect(s.p99Us).toBeLessThanOrEqual(s.p999Us as number);
  expect(s.p999Us).toBeLessThanOrEqual(s.maxUs as number);
};

describe("latency histograms", () => {
  it("report percentiles of recorded nanoseconds in microseconds, within HDR's 3 digits", () => {
    const h = newHistogram();
    for (let i = 1; i <= 10_000; i++) record(h, i * 1000);
    const s = summarize(h);
    expect(s.count).toBe(10_000);
    expect(s.p50Us).toBeCloseTo(5000, -1);
    expect(s.p99Us).toBeCloseTo(9900, -1);
    expect(s.maxUs).toBeCloseTo(10_000, -1);
  });

  it("survive the trip between processes and merge by adding counts", () => {
    const a = newHistogram();
    const b = newHistogram();
    record(a, 1_000);
    record(b, 2_000_000);
    record(b, -5); // clocks that disagree count as 1 ns, never throw
    const merged = merge([decode(encode(a)), decode(encode(b))]);
    expect(merged.totalCount).toBe(3);
    expect(summarize(merged).maxUs).toBeCloseTo(2000, -1);
  });
});

describe("repetition statistics", () => {
  it("give the median and the spread of every repetition", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(spread([10, 12, 8])).toMatchObject({ median: 10, min: 8, max: 12, relSpread: 0.4, values: [10, 12, 8] });
  });

  it("find the busiest window of a venue's length", () => {
    const events = [0, 100, 200, 999, 1000, 1500].map((t) => ({ t, weight: 1 }));
    expect(maxSlidingSum(events, 1000)).toBe(4);
    expect(
      maxSlidingSum(
        [
          { t: 0, weight: 20 },
          { t: 10, weight: 5 },
        ],
        5,
      ),
    ).toBe(20);
  });
});

describe("wrk output", () => {
  it("is read for throughput, failures and percentiles", () => {
    const raw = `Running 10s test @ http://127.0.0.1:1/api/positions
  2 threads and 64 connections
  Latency Distribution
     50%    2.10ms
     75%    2.50ms
     90%    3.00ms
     99%  850.00us
  123456 requests in 10.00s, 80.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 7
Requests/sec:  12345.60
Transfer/sec:      8.00MB`;
    expect(parseWrk(raw)).toMatchObject({
      requestsPerSec: 12345.6,
      requests: 123456,
      non2xx: 7,
      socketErrors: 3,
      latencyP50Ms: 2.1,
      latencyP99Ms: 0.85,
    });
  });
});

describe("targets and the report", () => {
  const targets: Target[] = [
    { id: "1", scenario: "s", metric: "lat", label: "latency", op: "<=", threshold: 10, unit: "us", judge: "median" },
    { id: "2", scenario: "s", metric: "drops", label: "no drop", op: "<=", threshold: 0, unit: "", judge: "worst" },
    { id: "3", scenario: "s", metric: "rate", label: "rate", op: ">=", threshold: 100, unit: "/s", judge: "median" },
    { id: "4", scenario: "gone", metric: "x", label: "missing", op: ">=", threshold: 1, unit: "", judge: "median" },
  ];
  const scenarios: ScenarioReport[] = [
    {
      id: "s",
      title: "S",
      seconds: 1,
      outcome: {
        metrics: { lat: [5, 20, 8], drops: [0, 1, 0] },
        unavailable: { rate: "no server here" },
        tables: [{ title: "t", headers: ["a", "b|c"], rows: [[1, "x|y"]] }],
      },
    },
  ];

  it("judges the median or the worst repetition, and says what could not be measured", () => {
    const results = evaluateTargets(targets, scenarios, false);
    expect(results.map((r) => r.status)).toEqual(["pass", "fail", "not measured", "not measured"]);
    expect(results[0]?.value).toBe(8);
    expect(results[1]?.value).toBe(1);
    expect(results[2]?.reason).toBe("no server here");
    expect(evaluateTargets(targets, scenarios, true)[0]?.status).toBe("not judged (smoke)");
  });

  it("renders every target as one row of the markdown table", () => {
    const report: Report = {
      generatedAt: "2026-11-27T00:00:00Z",
      mode: "full",
      reps: 3,
      durationSec: 60,
      exitCode: 1,
      machine: { cpu: "test" },
      versions: { bun: Bun.version },
      targets: evaluateTargets(targets, scenarios, false),
      scenarios,
    };
    const md = renderMarkdown(report);
    const rows = md.split("\n").filter((l) => /^\| [1-4] \| .* \| (<=|>=) /.test(l));
    expect(rows).toHaveLength(4);
    for (const row of rows) expect(row.split(" | ")).toHaveLength(7);
    expect(md).toContain("b\\|c");
    expect(md).toContain("**FAIL**");
  });
});

describe("workers at tiny sizes", () => {
  it(
    "tick-to-order, risk and normalize workers hand back well-formed results",
    async () => {
      const [ticks, risk, binance] = await Promise.all([
        runWorker("tick-to-order.ts", ["--rate=2000", "--seconds=1", "--warmup=0.3"], { name: "test-tick-to-order" }),
        runWorker("risk-checks.ts", ["--seconds=0.1"], { name: "test-risk" }),
        runWorker("binance-normalize.ts", ["--seconds=0.05"], { name: "test-binance" }),
      ]);
      isSummary(ticks.latency as Record<string, number>);
      expect(ticks.achievedTicksPerSec).toBeGreaterThan(0);
      expect(Object.keys(ticks.stages as object)).toEqual(["queue", "strategy", "oms", "risk", "oms-route", "broker"]);
      expect(decode(ticks.latencyHist as string).totalCount).toBe((ticks.latency as { count: number }).count);
      expect(risk.checksPerSec).toBeGreaterThan(0);
      expect(risk.viaRpcPerSec).toBeGreaterThan(0);
      expect(binance.referenceFramesPerSec).toBeGreaterThan(0);
    },
    { timeout: 30_000 },
  );

  it(
    "the constant-rate HTTP client counts every answer and times it from the intended send",
    async () => {
      const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => Response.json([{ ok: true }]) });
      try {
        const result = await runToResult("test-http-rate", [
          "bun",
          join(ROOT_DIR, "bench/src/clients/http-rate.ts"),
          `--url=http://127.0.0.1:${server.port}/x`,
          "--rate=200",
          "--seconds=0.5",
          "--warmup=0.1",
          "--connections=4",
        ]);
        expect(result.completed).toBeGreaterThan(50);
        expect(result.ok).toBe(result.completed as number);
        expect(result.non200).toBe(0);
        expect(result.unanswered).toBe(0);
        isSummary(result.latency as Record<string, number>);
        expect((result.latency as { count: number }).count).toBe(result.completed as number);
      } finally {
        server.stop(true);
      }
    },
    { timeout: 15_000 },
  );
});

describe("backtest throughput", () => {
  const base: EngineRun = {
    engine: "jts",
    events: 1000,
    loadSeconds: 0,
    wallSeconds: 1,
    cpuSeconds: 1,
    eventsPerSec: 1000,
    eventsPerCpuSec: 1000,
    fills: 40,
    roundTrips: 20,
    finalEquity: "99999000.25",
    finalPosition: "0",
    fees: "1000",
  };

  it("calls results equal only with the same fills and the same final equity to the cent", () => {
    expect(differences(base, { ...base, engine: "backtesting.py", finalEquity: "99999000.250000004" })).toEqual([]);
    expect(differences(base, { ...base, fills: 41 })).toEqual(["fills 41 vs JTS 40"]);
    expect(differences(base, { ...base, finalEquity: "99999000.26" })).toEqual([
      "final equity 99999000.26 vs JTS 99999000.25",
    ]);
    expect(differences(base, { ...base, finalEquity: "NaN" })).toHaveLength(1);
  });

  it(
    "writes the same data set every time, and JTS replays it through the backtest with trades",
    async () => {
      const dirs = ["a", "b"].map((name) => outPath("test-backtest-data", name, "x").replace(/\/x$/, ""));
      const [a, b] = await Promise.all(
        dirs.map((dir) => runWorker("backtest-data.ts", ["--events=3000", `--dir=${dir}`], { name: "test-bt-data" })),
      );
      for (const file of ["ticks", "bars"] as const)
        expect(readFileSync((a as Record<string, string>)[file] as string, "utf8")).toBe(
          readFileSync((b as Record<string, string>)[file] as string, "utf8"),
        );
      const jts = (await runWorker("backtest-jts.ts", [`--data=${(a as Record<string, string>).bars}`], {
        name: "test-bt-jts",
      })) as unknown as EngineRun;
      expect(jts.events).toBe(3000);
      expect(jts.fills).toBeGreaterThan(10);
      expect(jts.roundTrips).toBe(Math.floor(jts.fills / 2));
      expect(jts.eventsPerCpuSec).toBeGreaterThan(0);
      expect(Number(jts.finalEquity)).not.toBe(100_000_000);
    },
    { timeout: 60_000 },
  );
});
