import { describe, expect, it } from "bun:test";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fx } from "@jts/contracts";
import { runBacktest } from "./backtest.ts";
import { CsvError, type MarketEvent, parseCsv, toCsv } from "./csv.ts";
import { DEFAULT_BACKTEST_PARAMS } from "./defaults.ts";
import { computeMetrics, maxDrawdown } from "./metrics.ts";
import { generateSampleCandles } from "./sample.ts";
import { backtestStrategy } from "./testing.ts";

describe("sample data", () => {
  it("is the same for the same seed and different for another", () => {
    const a = toCsv(generateSampleCandles({ bars: 50 }));
    expect(toCsv(generateSampleCandles({ bars: 50 }))).toBe(a);
    expect(toCsv(generateSampleCandles({ bars: 50, seed: 7 }))).not.toBe(a);
    expect(a.split("\n")[0]).toBe("ts,symbol,interval,open,high,low,close,volume");
  });
});

describe("backtest CSV", () => {
  it("reads ticks and candles, ns or ISO times, and writes back what it read", () => {
    const ticks = parseCsv(
      "ts,symbol,price,quantity\n2026-01-05T00:00:00Z,BTC-KRW,140000000,0.5\n1767571201000000000,BTC-KRW,140001000,1\n",
    );
    expect(ticks.map((e) => e.kind === "tick" && [e.tick.tsEvent, e.tick.price])).toEqual([
      ["1767571200000000000", "140000000"],
      ["1767571201000000000", "140001000"],
    ]);
    const candles = generateSampleCandles({ bars: 3 });
    expect(parseCsv(toCsv(candles))).toEqual(candles);
  });

  it("says which line and column is wrong", () => {
    expect(() => parseCsv("ts,symbol,price\n1,X,1\n")).toThrow("CSV header lacks quantity");
    expect(() => parseCsv("ts,symbol,price,quantity\n2,X,1,1\n1,X,1,1\n")).toThrow("CSV line 3: time goes backwards");
    expect(() => parseCsv("ts,symbol,price,quantity\n1,X,abc,1\n")).toThrow(CsvError);
    expect(() => parseCsv("ts,symbol,interval,open,high,low,close,volume\n1,X,2m,1,1,1,1,1\n")).toThrow("interval");
  });
});

describe("backtest over the shipped sample", () => {
  it("trades every built-in and its numbers add up: end equity = start + realized + unrealized - fees", async () => {
    for (const kind of ["ma-crossover", "bollinger", "donchian"] as const) {
      const result = await runBacktest({
        strategy: backtestStrategy({ kind, params: DEFAULT_BACKTEST_PARAMS[kind] }),
        events: generateSampleCandles(),
      });
      const m = computeMetrics(result);
      const book = result.runner.pnl;
      expect(result.fills.length).toBeGreaterThan(4);
      expect(m.orders).toBe(m.fills + m.rejected);
      const end = fx.toFixed(m.endingEquity);
      expect(end).toBe(result.startingCash + book.realized + book.unrealized() - book.fees);
      expect(fx.toFixed(m.netPnl)).toBe(end - result.startingCash);
      // Fees are what the paper broker charges: the taker rate on every fill's notional.
      const fees = result.fills.reduce((sum, f) => sum + fx.toFixed(f.fee), 0n);
      expect(fees).toBe(book.fees);
      const expectedFees = result.fills.reduce(
        (sum, f) => sum + fx.mul(fx.mul(fx.toFixed(f.price), fx.toFixed(f.quantity)), fx.toFixed("0.0005")),
        0n,
      );
      expect(fees).toBe(expectedFees);
      // Cash only moves on fills; the rest of equity is the position at the last price.
      const last = result.equity.at(-1);
      expect(last?.equity).toBe(result.cash + fx.mul(book.position, book.lastPrice ?? 0n));
      expect(m.winRate).toBeGreaterThanOrEqual(0);
      expect(m.winRate).toBeLessThanOrEqual(1);
      expect(fx.toFixed(m.maxDrawdown)).toBe(maxDrawdown(result.startingCash, result.equity).amount);
      expect(Number.isFinite(m.sharpe)).toBe(true);
    }
  });

  it("refuses orders the risk engine refuses, and books nothing for them", async () => {
    const result = await runBacktest({
      strategy: backtestStrategy({ params: { ...DEFAULT_BACKTEST_PARAMS["ma-crossover"], quantity: "1" } }),
      events: generateSampleCandles({ bars: 600 }),
      limits: { maxOrderNotional: "50000000", maxPositionNotional: "200000000" },
    });
    expect(result.orders.length).toBeGreaterThan(0);
    expect(result.orders.every((o) => o.status === "REJECTED" && o.reason?.startsWith("MAX_ORDER_NOTIONAL"))).toBe(
      true,
    );
    expect(result.fills).toHaveLength(0);
    expect(computeMetrics(result).netPnl).toBe("0");
  });

  it("`just backtest` with no data prints the report and writes it with trades and an equity curve", async () => {
    const out = await mkdtemp(join(tmpdir(), "jts-backtest-"));
    try {
      const proc = Bun.spawn(["bun", join(import.meta.dir, "main.ts"), "--out", out, "--progress"], {
        stdout: "pipe",
        stderr: "pipe",
      });
      const [stdout, stderr, code] = await Promise.all([
        new Response(proc.stdout).text(),
        new Response(proc.stderr).text(),
        proc.exited,
      ]);
      expect(code).toBe(0);
      expect(stdout).toContain("Backtest: ma-crossover BTC-KRW (1m)");
      for (const label of ["net P&L", "max drawdown", "Sharpe", "win rate", "Trades:", "Equity:"])
        expect(stdout).toContain(label);
      expect(stderr).toContain("backtest: 100% (2880/2880)"); // not a TTY: quarter lines, no carriage returns
      const report = JSON.parse(await readFile(join(out, "report.json"), "utf8"));
      expect(stdout).toContain(`ending equity     ${report.metrics.endingEquity}`);
      expect(fx.toFixed(report.metrics.endingEquity)).toBe(
        fx.toFixed(report.metrics.startingEquity) +
          fx.toFixed(report.metrics.realizedPnl) +
          fx.toFixed(report.metrics.unrealizedPnl) -
          fx.toFixed(report.metrics.fees),
      );
      expect(await readFile(join(out, "equity.svg"), "utf8")).toContain("<polyline");
      const trades = (await readFile(join(out, "trades.csv"), "utf8")).trim().split("\n");
      expect(trades.length - 1).toBe(report.metrics.fills);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it("replays ticks as well as candles", async () => {
    const ticks: MarketEvent[] = generateSampleCandles({ bars: 400 }).map((e, i) => ({
      kind: "tick",
      tick: {
        symbol: "BTC-KRW",
        venue: "sim",
        price: e.kind === "candle" ? e.candle.close : "0",
        quantity: "1",
        aggressor: "NONE",
        tradeId: String(i),
        tsEvent: String(1_767_571_200_000_000_000n + BigInt(i) * 1_000_000_000n),
      },
    }));
    const result = await runBacktest({ strategy: backtestStrategy({ timeframe: "tick" }), events: ticks });
    expect(result.events).toBe(400);
    expect(result.fills.length).toBeGreaterThan(0);
  });
});
