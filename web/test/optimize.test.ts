import { describe, expect, test } from "bun:test";
import type { OptimizationRow, OptimizationRun, SegmentMetrics } from "@jts/contracts";
import { fakeGateway, fakeLive, MA_CROSSOVER_KINDS } from "./fake-gateway.ts";

const { flush, mount, useDom } = await import("./dom.ts");
useDom();

const gateway = fakeGateway();

const { OptimizeScreen } = await import("../src/screens/optimize.tsx");
const { readParamText, sortRows } = await import("../src/lib/optimize.ts");

const KINDS = MA_CROSSOVER_KINDS;

const metrics = (sharpe: number | null, returnPct: number): SegmentMetrics => ({
  netPnl: returnPct * 1_000_000,
  returnPct,
  maxDrawdownPct: 0.5,
  sharpe,
  sortino: null,
  calmar: null,
  fills: 4,
});

/** fastPeriod 5/10 x slowPeriod 30/60: in sample the (10, 60) cell is best, out of sample (5, 30) is. */
const rows: OptimizationRow[] = [
  { fast: 10, slow: 60, is: 3, oos: -1 },
  { fast: 5, slow: 60, is: 2, oos: 0.5 },
  { fast: 10, slow: 30, is: 1, oos: null },
  { fast: 5, slow: 30, is: 0.5, oos: 2.5 },
].map((r) => ({
  params: { fastPeriod: r.fast, slowPeriod: r.slow },
  inSample: metrics(r.is, r.is),
  outOfSample: metrics(r.oos, r.oos ?? 0),
  score: r.is,
  outOfSampleScore: r.oos,
}));

const queued: OptimizationRun = {
  id: "opt-1",
  owner: "alice",
  status: "queued",
  progress: 0,
  request: {
    backtest: { kind: "ma-crossover", params: { quantity: "0.1" }, source: { type: "sample" } },
    ranges: { fastPeriod: { min: 5, max: 10, step: 5 }, slowPeriod: { values: [30, 60] } },
    method: "grid",
    objective: "sharpe",
    walkForward: { inSample: 960, outOfSample: 480 },
  },
  combinations: 4,
  runs: 16,
  createdAt: "2026-12-07T06:00:00.000Z",
  finishedAt: null,
  error: null,
  best: null,
};
const done: OptimizationRun = {
  ...queued,
  status: "done",
  progress: 1,
  best: rows[0] ?? null,
  finishedAt: "2026-12-07T06:00:09.000Z",
  result: {
    source: "generated sample",
    symbol: "BTC-KRW",
    bars: 2880,
    objective: "sharpe",
    ranged: ["fastPeriod", "slowPeriod"],
    skipped: 0,
    skippedReason: null,
    rows,
    windows: [
      {
        inSample: { from: 0, to: 960 },
        outOfSample: { from: 960, to: 1440 },
        best: { fastPeriod: 10, slowPeriod: 60 },
        score: 3.2,
        outOfSampleScore: -0.8,
      },
    ],
    workers: 2,
    elapsedMs: 9100,
  },
};

const settle = async () => {
  for (let i = 0; i < 5; i++) await flush();
};

describe("Optimize screen", () => {
  test("reads each parameter as a value, a span or a list, sends the request, then shows progress and the result", async () => {
    let stored = queued;
    gateway.answer = (method, path) => {
      if (path === "/api/strategies/kinds") return Response.json(KINDS);
      if (path === "/api/optimizations" && method === "GET") return Response.json([]);
      if (path === "/api/optimizations" && method === "POST") return Response.json(queued, { status: 202 });
      if (path === "/api/optimizations/opt-1") return Response.json(stored);
      return new Response("unexpected", { status: 500 });
    };
    const { live, handlers } = fakeLive();
    const t = mount(() => OptimizeScreen({ canTrade: true, live }));
    await settle();
    t.type("param-fastPeriod", "5:10:5");
    t.type("param-slowPeriod", "30, 60");
    t.type("param-quantity", "0.1");
    t.type("inSample", "960");
    t.type("outOfSample", "480");
    t.type("fee", "0.0005");
    t.submit();
    await settle();
    expect(gateway.calls.find((c) => c.method === "POST")?.body).toEqual({
      backtest: { kind: "ma-crossover", params: { quantity: "0.1" }, source: { type: "sample" }, fee: "0.0005" },
      ranges: { fastPeriod: { min: 5, max: 10, step: 5 }, slowPeriod: { values: [30, 60] } },
      method: "grid",
      objective: "sharpe",
      walkForward: { inSample: 960, outOfSample: 480 },
    });
    const channel = handlers.get("backtest:opt-1");
    channel?.({ id: "opt-1", status: "running", progress: 0.37, error: null });
    await flush();
    expect(t.$<HTMLProgressElement>("[data-testid=opt-progress]").value).toBe(37);
    stored = done;
    channel?.({ id: "opt-1", status: "done", progress: 1, error: null });
    await settle();
    expect(t.$("[data-testid=opt-facts]").textContent).toContain(
      "4 combinations × 1 window(s) = 16 backtests, 2 worker(s), 9.1 s",
    );

    // The heatmap: 2 x 2 cells, each the score of its (fastPeriod, slowPeriod).
    const cells = [...t.root.querySelectorAll("[data-testid=opt-heatmap] g[data-x]")].map((g) => [
      g.getAttribute("data-x"),
      g.getAttribute("data-y"),
      g.getAttribute("data-score"),
    ]);
    expect(cells).toEqual([
      ["5", "30", "0.5"],
      ["10", "30", "1"],
      ["5", "60", "2"],
      ["10", "60", "3"],
    ]);
    // Out of sample, the (10, 30) combination has no score: its cell is empty.
    t.choose("heatmap-sample", "outOfSample");
    await flush();
    const oos = [...t.root.querySelectorAll("[data-testid=opt-heatmap] g[data-x]")].map((g) =>
      g.getAttribute("data-score"),
    );
    expect(oos).toEqual(["2.5", "", "0.5", "-1"]);

    // The table: IS beside OOS, best in-sample first; sorting by the OOS column puts (5, 30) first, a missing score last.
    const headers = [...t.root.querySelectorAll("th")].map((th) => th.textContent ?? "");
    expect(headers.some((h) => h.startsWith("IS Sharpe"))).toBe(true);
    expect(headers.some((h) => h.startsWith("OOS Sharpe"))).toBe(true);
    const column = (metric: string) =>
      [...t.root.querySelectorAll(`[data-testid=opt-row] [data-metric=${metric}]`)].map((td) => td.textContent);
    expect(column("score")).toEqual(["3", "2", "1", "0.5"]);
    t.$<HTMLButtonElement>("button[data-sort=outOfSampleScore]").click();
    await flush();
    expect(column("outOfSampleScore")).toEqual(["2.5", "0.5", "-1", "n/a"]);
    t.$<HTMLButtonElement>("button[data-sort=outOfSampleScore]").click();
    await flush();
    expect(column("outOfSampleScore")).toEqual(["-1", "0.5", "2.5", "n/a"]);
    expect(t.root.querySelectorAll("[data-testid=opt-window]")).toHaveLength(1);
  });

  test("refuses a form without a range before asking the gateway, and shows the gateway's 422 reason", async () => {
    gateway.answer = (method, path) => {
      if (path === "/api/strategies/kinds") return Response.json(KINDS);
      if (path === "/api/optimizations" && method === "GET") return Response.json([]);
      return Response.json(
        { error: { code: "VALIDATION", message: "fastPeriod {min 20, max 5, step 5}: min is above max" } },
        { status: 422 },
      );
    };
    const t = mount(() => OptimizeScreen({ canTrade: true, live: fakeLive().live }));
    await settle();
    t.type("param-fastPeriod", "5");
    t.submit();
    await settle();
    expect(t.root.textContent).toContain("Give at least one parameter a range");
    expect(gateway.calls.some((c) => c.method === "POST")).toBe(false);
    t.type("param-fastPeriod", "5:x:1");
    t.submit();
    await settle();
    expect(t.root.textContent).toContain("fastPeriod: a range is MIN:MAX:STEP");
    t.type("param-fastPeriod", "20:5:5");
    t.submit();
    await settle();
    expect(t.root.textContent).toContain("min is above max");
  });

  test("lists past optimizations with their best combination; a viewer gets no form and no delete", async () => {
    gateway.answer = (_method, path) => {
      if (path === "/api/optimizations") return Response.json([done]);
      if (path === "/api/optimizations/opt-1") return Response.json(done);
      return new Response("unexpected", { status: 500 });
    };
    const t = mount(() => OptimizeScreen({ canTrade: false, live: fakeLive().live }));
    await settle();
    expect(t.root.querySelector("form")).toBeNull();
    expect(t.button("Delete")).toBeUndefined();
    expect(t.$("tr[data-run=opt-1]").textContent).toContain("fastPeriod 10, slowPeriod 60");
    t.$<HTMLButtonElement>("tr[data-run=opt-1] button").click();
    await settle();
    expect(t.root.querySelectorAll("[data-testid=opt-row]")).toHaveLength(4);
  });
});

describe("optimize helpers", () => {
  test("read a value, a span or a list, typed as the schema's field", () => {
    const integer = { name: "fastPeriod", type: "integer" as const };
    expect(readParamText(integer, " 5 ")).toEqual({ fixed: 5 });
    expect(readParamText(integer, "5:20:5")).toEqual({ range: { min: 5, max: 20, step: 5 } });
    expect(readParamText(integer, "5,8")).toEqual({ range: { values: [5, 8] } });
    expect(readParamText({ name: "quantity", type: "string" }, "0.1,0.2")).toEqual({
      range: { values: ["0.1", "0.2"] },
    });
    expect(readParamText(integer, "")).toEqual({ empty: true });
    expect(readParamText(integer, "5:20")).toEqual({ error: "fastPeriod" });
  });

  test("sort rows by a column, missing values last either way", () => {
    const by = (descending: boolean) =>
      sortRows(rows, { metric: "outOfSampleScore" }, descending).map((r) => r.outOfSampleScore);
    expect(by(true)).toEqual([2.5, 0.5, -1, null]);
    expect(by(false)).toEqual([-1, 0.5, 2.5, null]);
    expect(sortRows(rows, { param: "fastPeriod" }, false).map((r) => r.params.fastPeriod)).toEqual([5, 5, 10, 10]);
  });
});
