import { describe, expect, it } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decode, encode, merge, newHistogram, record, summarize } from "./lib/hist.ts";
import { outPath, ROOT_DIR } from "./lib/paths.ts";
import { runToResult } from "./lib/proc.ts";
import {
  evaluateTargets,
  mergeReports,
  parseCommittedReport,
  type Report,
  renderMarkdown,
  type ScenarioReport,
  type Target,
} from "./lib/report.ts";
import { runWorker } from "./lib/scenario.ts";
import { launchedByStart, parseExports, type ServerName, stopStartedServers } from "./lib/servers.ts";
import { maxSlidingSum, median, spread } from "./lib/stats.ts";
import { logChart } from "./lib/svg.ts";
import { parseWrk } from "./lib/wrk.ts";
import { differences, type EngineRun } from "./scenarios/backtest.ts";
import { missReason, searchHeldRate } from "./scenarios/scale.ts";

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
      load: { start: "1.50 / 1.20 / 0.90", end: "2.50 / 1.40 / 1.00" },
      outcome: {
        metrics: { lat: [5, 20, 8], drops: [0, 1, 0] },
        unavailable: { rate: "no server here" },
        tables: [{ title: "t", headers: ["a", "b|c"], rows: [[1, "x|y"]] }],
        figures: [{ file: "s.svg", title: "latency against load", svg: "<svg/>" }],
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
    expect(md).toContain("load average (1/5/15 min) 1.50 / 1.20 / 0.90 at the start, 2.50 / 1.40 / 1.00 at the end");
    expect(md).toContain("![latency against load](s.svg)");
  });
});

describe("the committed report --merge starts from", () => {
  it("is refused before the run, naming the file, when garbled, empty or not a full run's report", () => {
    const path = "bench/report.json";
    for (const text of ["", '{"generatedAt": "x", garbled'])
      expect(() => parseCommittedReport(text, path)).toThrow(`--merge: ${path} is not JSON`);
    const full = { mode: "full", machine: {}, scenarios: [{ id: "a" }], targets: [{ id: "1", scenario: "a" }] };
    for (const text of [
      "null",
      "[]",
      "{}",
      JSON.stringify({ ...full, mode: "smoke" }),
      JSON.stringify({ ...full, scenarios: [null] }),
    ])
      expect(() => parseCommittedReport(text, path)).toThrow(`--merge: ${path} is not a full run's report`);
    expect(parseCommittedReport(JSON.stringify(full), path).scenarios.map((s) => s.id)).toEqual(["a"]);
  });

  it("parses the committed bench/report.json", () => {
    const path = join(ROOT_DIR, "bench", "report.json");
    expect(parseCommittedReport(readFileSync(path, "utf8"), path).mode).toBe("full");
  });
});

describe("a re-run merged into the full report (--only ... --merge)", () => {
  const target = (id: string, scenario: string): Target => ({
    id,
    scenario,
    metric: "lat",
    label: `${scenario} latency`,
    op: "<=",
    threshold: 10,
    unit: "us",
    judge: "median",
  });
  const scenario = (id: string, lat: number[], ranAt?: string): ScenarioReport => ({
    id,
    title: id.toUpperCase(),
    seconds: 1,
    load: { start: "1", end: "1" },
    ...(ranAt ? { ranAt, commit: "abc123 (main)" } : {}),
    outcome: { metrics: { lat } },
  });
  const report = (scenarios: ScenarioReport[], targets: Target[], at: string): Report => ({
    generatedAt: at,
    mode: "full",
    reps: 3,
    durationSec: 60,
    exitCode: 1,
    machine: { commit: "abc123 (main)" },
    versions: {},
    targets: evaluateTargets(targets, scenarios, false),
    scenarios,
  });

  it("replaces only the re-run scenarios and their targets, in place, and judges the exit code again", () => {
    const base = report(
      [scenario("a", [20, 20, 20]), scenario("b", [5, 5, 5])],
      [target("1", "a"), target("2", "b")],
      "2026-12-07T16:00:00Z",
    );
    const rerun = report(
      [scenario("a", [4, 6, 5], "2026-12-07T20:00:00Z")],
      [target("1", "a")],
      "2026-12-07T20:10:00Z",
    );
    const merged = mergeReports(base, rerun);
    expect(merged.scenarios.map((s) => [s.id, s.outcome?.metrics.lat])).toEqual([
      ["a", [4, 6, 5]],
      ["b", [5, 5, 5]],
    ]);
    expect(merged.targets.map((t) => [t.id, t.status])).toEqual([
      ["1", "pass"],
      ["2", "pass"],
    ]);
    expect(merged.exitCode).toBe(0);
    expect(merged.generatedAt).toBe("2026-12-07T16:00:00Z");

    const md = renderMarkdown(merged);
    expect(md).toContain(
      "Re-run since (`just bench --only=a --merge`, 3 repetitions) at 2026-12-07T20:10:00Z on abc123 (main): the sections and targets of a below",
    );
    expect(md).toContain("run at 2026-12-07T20:00:00Z on abc123 (main)");
    // A second re-run keeps the first one's line: the header tells every run the report holds.
    const again = mergeReports(
      merged,
      report([scenario("b", [50, 50, 50])], [target("2", "b")], "2026-12-07T21:00:00Z"),
    );
    expect(again.reruns?.map((r) => r.scenarios)).toEqual([["a"], ["b"]]);
    expect(again.exitCode).toBe(1);
    // A later re-run of a scenario takes it off the earlier line, and a line left with none goes.
    const third = mergeReports(again, report([scenario("a", [1, 1, 1])], [target("1", "a")], "2026-12-07T22:00:00Z"));
    expect(third.reruns?.map((r) => [r.ran, r.scenarios])).toEqual([
      [["b"], ["b"]],
      [["a"], ["a"]],
    ]);
  });
});

describe("the scale scenario's search", () => {
  const point = (rate: number, achievedMin: number, p99Us: number) => ({ rate, achievedMin, p99Us });

  it("steps up until a rate misses and never tries the rates above it", async () => {
    const tried: number[] = [];
    const result = await searchHeldRate([1000, 2000, 5000, 10_000], async (rate) => {
      tried.push(rate);
      return rate < 5000 ? point(rate, rate, 300) : point(rate, 4000, 300);
    });
    expect(result.held).toBe(2000);
    expect(result.stoppedAt).toBe(5000);
    expect(result.reason).toContain("the feed fell short (4000 ticks/s");
    expect(tried).toEqual([1000, 2000, 5000]);
  });

  it("credits no rate held by a quieter feed, a p99 over 1 ms, or no order at all", async () => {
    expect(missReason(point(10_000, 9800, 999))).toBeNull();
    expect(missReason(point(10_000, 9799, 10))).toContain("fell short");
    expect(missReason(point(10_000, 10_000, 1001))).toContain("p99 1001 us > 1000 us");
    expect(missReason(point(10_000, 10_000, Number.NaN))).toBe("no order to time");
    expect(await searchHeldRate([1000, 2000], async (rate) => point(rate, rate, 5000))).toEqual({
      held: null,
      stoppedAt: 1000,
      reason: "p99 5000 us > 1000 us",
    });
  });
});

describe("the latency chart", () => {
  it("draws log axes, breaks a line at a missing point and marks the points that missed their load", () => {
    const svg = logChart({
      title: "a < b",
      xLabel: "ticks/s",
      yLabel: "latency",
      xTicks: [1000, 10_000, 100_000],
      formatX: (x) => `${x / 1000}k`,
      series: [
        {
          name: "p99",
          color: "red",
          points: [
            { x: 1000, y: 50 },
            { x: 10_000, y: 200 },
            { x: 30_000, y: Number.NaN },
            { x: 100_000, y: 5000, open: true },
            { x: 200_000, y: 9000 },
          ],
        },
      ],
      rules: [{ y: 1000, label: "1 ms" }],
      openNote: "feed short",
    });
    expect(svg.startsWith("<svg ")).toBe(true);
    expect(svg.trim().endsWith("</svg>")).toBe(true);
    expect(svg).toContain("a &lt; b");
    for (const label of ["10 us", "100 us", "1 ms", "10 ms", "1k", "10k", "100k"]) expect(svg).toContain(`>${label}<`);
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg.match(/<circle [^>]*fill="red"/g)).toHaveLength(3);
    expect(svg.match(/<circle [^>]*fill="white" stroke="red"/g)).toHaveLength(1);
    expect(svg).toContain(">feed short<");
  });
});

describe("servers the bench started", () => {
  it("are told from servers found running by the start script's words", () => {
    expect(launchedByStart("[redis] started pid 4242, log /x/redis.log\n[redis] ready after 0 s")).toBe(true);
    expect(launchedByStart("[redis] already running (pid 4242) and ready")).toBe(false);
    expect(launchedByStart("")).toBe(false);
  });

  it("are stopped once each at the end of the run, and the list is removed", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "bench-servers-")), "started");
    const stopped: ServerName[] = [];
    expect(await stopStartedServers(file, async (name) => stopped.push(name))).toEqual([]);
    writeFileSync(file, "nats\nredis\nnats\n");
    expect(await stopStartedServers(file, async (name) => stopped.push(name))).toEqual(["nats", "redis"]);
    expect(stopped).toEqual(["nats", "redis"]);
    expect(existsSync(file)).toBe(false);
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
    "tick-to-order runs the number of strategies --strategies asks for",
    async () => {
      const [one, many] = await Promise.all(
        [1, 7].map((n) =>
          runWorker("tick-to-order.ts", ["--rate=1000", "--seconds=0.3", "--warmup=0.1", `--strategies=${n}`], {
            name: `test-tick-to-order-${n}`,
          }),
        ),
      );
      expect(one?.strategies).toBe(1);
      expect(many?.strategies).toBe(7);
    },
    { timeout: 60_000 },
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

describe("host/servers env output", () => {
  it("reads every NAME=value of an export line, several on one line and quoted ones too", () => {
    const printed = [
      "export NATS_URL=nats://127.0.0.1:4222",
      "export NATS_USER=jts NATS_PASSWORD=secret-1",
      "export KAFKA_SASL_USERNAME=jts KAFKA_SASL_PASSWORD='p w' KAFKA_SASL_MECHANISM=scram-sha-256",
      "# not an export",
    ].join("\n");
    expect(parseExports(printed)).toEqual({
      NATS_URL: "nats://127.0.0.1:4222",
      NATS_USER: "jts",
      NATS_PASSWORD: "secret-1",
      KAFKA_SASL_USERNAME: "jts",
      KAFKA_SASL_PASSWORD: "p w",
      KAFKA_SASL_MECHANISM: "scram-sha-256",
    });
  });
});
