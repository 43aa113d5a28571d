import { describe, expect, mock, test } from "bun:test";
import { BACKTEST_CSV_MAX_CHARS, type BacktestRun } from "@jts/contracts";
import { fakeGateway, fakeLive, MA_CROSSOVER_KINDS } from "./fake-gateway.ts";

const { flush, mount, useDom } = await import("./dom.ts");
useDom(); // also puts the real fetch back after this file

const gateway = fakeGateway();

/** happy-dom has no canvas: the charts get a recording stand-in, so what they were given can be checked. */
const drawn: { markers: unknown[]; series: Array<{ kind: string; points: number }> } = { markers: [], series: [] };
const series = (kind: string) => ({
  setData: (points: unknown[]) => drawn.series.push({ kind, points: points.length }),
  applyOptions: () => {},
});
mock.module("lightweight-charts", () => ({
  createChart: () => ({
    addSeries: (kind: string) => series(kind),
    priceScale: () => ({ applyOptions: () => {} }),
    timeScale: () => ({ fitContent: () => {} }),
    remove: () => {},
  }),
  createSeriesMarkers: () => ({ setMarkers: (marks: unknown[]) => drawn.markers.push(...marks) }),
  CandlestickSeries: "candles",
  LineSeries: "line",
  HistogramSeries: "histogram",
}));

const { BacktestsScreen, CSV_MAX_CHARS } = await import("../src/screens/backtests.tsx");

const KINDS = MA_CROSSOVER_KINDS;

const queued: BacktestRun = {
  id: "run-1",
  owner: "alice",
  status: "queued",
  progress: 0,
  request: {
    kind: "ma-crossover",
    params: { fastPeriod: 5, slowPeriod: 20, quantity: "0.1" },
    source: { type: "sample" },
  },
  createdAt: "2026-12-07T06:00:00.000Z",
  finishedAt: null,
  error: null,
  summary: null,
};
const summary = {
  startingEquity: "100000000",
  endingEquity: "100500000",
  netPnl: "500000",
  fees: "1200",
  returnPct: 0.5,
  buyAndHoldPct: 1.2,
  maxDrawdown: "300000",
  maxDrawdownPct: 0.3,
  cagrPct: null,
  sharpe: 1.5,
  sortino: null,
  calmar: null,
  annualization: "1m bars",
  exposurePct: 40,
  orders: 2,
  rejected: 0,
  fills: 2,
  roundTrips: 1,
  winRate: 1,
  averageTripPnl: "500000",
};
const done: BacktestRun = {
  ...queued,
  status: "done",
  progress: 1,
  summary,
  finishedAt: "2026-12-07T06:00:05.000Z",
  result: {
    source: "generated sample",
    symbol: "BTC-KRW",
    timeframe: "1m",
    events: 3,
    summary,
    equity: [
      { ts: "1767571200000000000", equity: 100000000, drawdownPct: 0 },
      { ts: "1767571260000000000", equity: 99700000, drawdownPct: 0.3 },
      { ts: "1767571320000000000", equity: 100500000, drawdownPct: 0 },
    ],
    candles: [0, 1, 2].map((i) => ({
      symbol: "BTC-KRW",
      venue: "sim",
      interval: "1m" as const,
      tsOpen: String(1767571200000000000n + BigInt(i) * 60_000_000_000n),
      open: "100000000",
      high: "106000000",
      low: "99000000",
      close: "105000000",
      volume: "1",
      trades: 0,
      closed: true,
    })),
    fills: [
      { tsEvent: "1767571230000000000", side: "BUY" },
      { tsEvent: "1767571330000000000", side: "SELL" },
    ].map((f, i) => ({
      id: `f${i}`,
      orderId: `o${i}`,
      account: "backtest",
      symbol: "BTC-KRW",
      venue: "sim",
      side: f.side as "BUY" | "SELL",
      price: "100000000",
      quantity: "0.1",
      fee: "600",
      feeCurrency: "KRW",
      liquidity: "TAKER",
      tsEvent: f.tsEvent,
    })) as never,
    roundTrips: [
      {
        side: "LONG",
        entryTs: "1767571200000000000",
        exitTs: "1767571320000000000",
        quantity: "0.1",
        entryPrice: "100000000",
        exitPrice: "105000000",
        fees: "1200",
        pnl: "500000",
        returnPct: 5,
        fills: 2,
        open: false,
      },
    ],
  },
};

describe("Backtests screen", () => {
  test("builds the parameter inputs from the kind's schema and sends a typed request", async () => {
    let runs: BacktestRun[] = [];
    let stored = queued;
    gateway.answer = (method, path) => {
      if (path === "/api/strategies/kinds") return Response.json(KINDS);
      if (path === "/api/backtests" && method === "GET") return Response.json(runs);
      if (path === "/api/backtests" && method === "POST") {
        runs = [queued];
        return Response.json(queued, { status: 202 });
      }
      if (path === "/api/backtests/run-1") return Response.json(stored);
      return new Response("unexpected", { status: 500 });
    };
    const { live, handlers } = fakeLive();
    const t = mount(() => BacktestsScreen({ canTrade: true, live }));
    await flush();
    await flush();
    const names = [...t.root.querySelectorAll<HTMLInputElement>("input[name^=param-]")].map((i) => i.name);
    expect(names).toEqual(["param-fastPeriod", "param-slowPeriod", "param-quantity"]);
    t.type("param-fastPeriod", "5");
    t.type("param-slowPeriod", "20");
    t.type("param-quantity", "0.1");
    t.type("fee", "0.0005");
    t.type("sizing", "equity:50");
    t.submit();
    for (let i = 0; i < 4; i++) await flush();
    const post = gateway.calls.find((c) => c.method === "POST");
    expect(post?.body).toEqual({
      kind: "ma-crossover",
      params: { fastPeriod: 5, slowPeriod: 20, quantity: "0.1" },
      source: { type: "sample" },
      fee: "0.0005",
      sizing: "equity:50",
      fillAt: "next-open",
    });
    // Progress streams on the run's channel, then the finished run is fetched and shown.
    const channel = handlers.get("backtest:run-1");
    expect(channel).toBeDefined();
    channel?.({ id: "run-1", status: "running", progress: 0.42, error: null });
    await flush();
    expect(t.$<HTMLProgressElement>("[data-testid=bt-progress]").value).toBe(42);
    stored = done;
    channel?.({ id: "run-1", status: "done", progress: 1, error: null });
    for (let i = 0; i < 4; i++) await flush();
    expect(t.$("[data-metric=netPnl]").textContent).toContain("500,000");
    expect(t.root.querySelectorAll("[data-testid=bt-trip]")).toHaveLength(1);
    expect(t.$("[data-testid=bt-summary]").textContent).toContain("Sharpe");
    // The equity and drawdown series and the candles are drawn, the two fills marked on their bars.
    expect(drawn.series).toEqual([
      { kind: "line", points: 3 },
      { kind: "histogram", points: 3 },
      { kind: "candles", points: 3 },
    ]);
    expect(drawn.markers.map((m) => (m as { position: string }).position)).toEqual(["belowBar", "aboveBar"]);
    expect(t.$("[data-testid=backtest-candles]").getAttribute("data-fill-marks")).toBe("2");
  });

  test("shows the gateway's 422 reason and keeps the form", async () => {
    gateway.answer = (method, path) => {
      if (path === "/api/strategies/kinds") return Response.json(KINDS);
      if (path === "/api/backtests" && method === "GET") return Response.json([]);
      return Response.json(
        {
          error: {
            code: "VALIDATION",
            message: "invalid ma-crossover parameters: fastPeriod must be below slowPeriod",
          },
        },
        { status: 422 },
      );
    };
    const t = mount(() => BacktestsScreen({ canTrade: true, live: fakeLive().live }));
    await flush();
    await flush();
    t.type("param-fastPeriod", "30");
    t.submit();
    for (let i = 0; i < 4; i++) await flush();
    expect(t.root.textContent).toContain("fastPeriod must be below slowPeriod");
    expect(t.$("form")).not.toBeNull();
  });

  test("lists past runs to re-open, compares two side by side; a viewer gets no form and no delete", async () => {
    const other: BacktestRun = { ...done, id: "run-2", createdAt: "2026-12-07T06:01:00.000Z" };
    gateway.answer = (_method, path) => {
      if (path === "/api/backtests") return Response.json([other, done]);
      if (path === "/api/backtests/run-1") return Response.json(done);
      if (path === "/api/backtests/run-2") return Response.json(other);
      return new Response("unexpected", { status: 500 });
    };
    const t = mount(() => BacktestsScreen({ canTrade: false, live: fakeLive().live }));
    for (let i = 0; i < 3; i++) await flush();
    expect(t.root.querySelector("form")).toBeNull();
    expect(t.button("Delete")).toBeUndefined();
    expect(t.root.querySelectorAll("tr[data-run]")).toHaveLength(2);
    t.root.querySelector<HTMLButtonElement>("tr[data-run=run-1] button")?.click();
    for (let i = 0; i < 3; i++) await flush();
    t.root.querySelector<HTMLButtonElement>("tr[data-run=run-2] button:nth-child(2)")?.click();
    for (let i = 0; i < 3; i++) await flush();
    const shown = [...t.root.querySelectorAll("[data-testid=bt-run]")].map((e) => e.getAttribute("data-run"));
    expect(shown).toEqual(["run-1", "run-2"]);
    expect(t.root.querySelectorAll("[data-testid=bt-summary]")).toHaveLength(2);
  });

  test("reads integer parameters from the schema as the strategy engine publishes it (Elysia's anyOf rewrite)", async () => {
    const { paramFields, paramValues } = await import("../src/lib/param-schema.ts");
    const published = {
      type: "object",
      properties: {
        fastPeriod: {
          minimum: 1,
          maximum: 500,
          anyOf: [
            { format: "integer", default: 0, type: "string" },
            { minimum: 1, maximum: 500, type: "integer" },
          ],
        },
        quantity: { type: "string", pattern: "^\\d+$" },
      },
    };
    const fields = paramFields(published);
    expect(fields.map((f) => [f.name, f.type, f.hint])).toEqual([
      ["fastPeriod", "integer", "1 to 500"],
      ["quantity", "string", "decimal"],
    ]);
    expect(paramValues(fields, { fastPeriod: "5", quantity: "0.1" })).toEqual({ fastPeriod: 5, quantity: "0.1" });
  });

  test("caps an uploaded CSV as the gateway does", () => {
    expect(CSV_MAX_CHARS).toBe(BACKTEST_CSV_MAX_CHARS);
  });
});
