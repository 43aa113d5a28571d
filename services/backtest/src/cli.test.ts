import { describe, expect, it } from "bun:test";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SIM_INSTRUMENTS } from "@jts/kit";
import { InstrumentError, resolveInstrument } from "./instrument.ts";
import { OptionError, parseOptions, USAGE } from "./options.ts";

async function backtest(args: string[]) {
  const proc = Bun.spawn(["bun", join(import.meta.dir, "main.ts"), ...args], { stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { stdout, stderr, code };
}

/** A user's own data: a symbol the simulated venue does not list, priced in dollars. */
function userTicks(): string {
  const start = Date.UTC(2025, 2, 11, 14, 30);
  const rows = Array.from({ length: 120 }, (_, i) => {
    const price = (180 + 5 * Math.sin(i / 6)).toFixed(2);
    return `${new Date(start + i * 60_000).toISOString()},AAPL,${price},500`;
  });
  return `ts,symbol,price,quantity\n${rows.join("\n")}\n`;
}

describe("options", () => {
  it("state their defaults in --help", () => {
    for (const text of [
      "fill at the next bar's open (default",
      "params (default: the strategy's quantity)",
      "long-only (default",
      "(default 100000000)",
      "(default: the instrument's)",
      "(default 0)",
      "auto (default",
      "(default CRYPTO)",
      "maxOrderNotional 50000000, maxPositionNotional 200000000",
    ])
      expect(USAGE).toContain(text);
  });

  it("refuse bad values with the flag named, before anything runs", () => {
    const bad: Array<[string[], string]> = [
      [["--fill", "later"], "--fill later: expected one of next-open, close"],
      [["--sizing", "equity:150"], "at most 100"],
      [["--sizing", "notional:-5"], "--sizing notional -5: must be greater than zero"],
      [["--sizing", "lots:3"], "expected params, quantity:Q, notional:N or equity:PCT"],
      [["--direction", "short"], "--direction short: expected one of long-only, long-short"],
      [["--cash", "0"], "--cash 0: must be greater than zero"],
      [["--cash", "lots"], "--cash lots: expected a plain decimal"],
      [["--fee", "2"], "a rate is a fraction below 1"],
      [["--slippage-bps", "x"], "--slippage-bps x"],
      [["--cooldown-ms", "1.5"], "--cooldown-ms 1.5"],
      [["--from", "yesterday"], "--from yesterday: expected an ISO 8601 time"],
      [["--params", "{"], "--params is not JSON"],
      [["--params", '{"fastPeriod":30,"slowPeriod":10,"quantity":"1"}'], "fastPeriod must be below slowPeriod"],
      [["--currency", "usd"], "--currency usd"],
      [["--limits", '{"maxOrderNotional":"x"}'], "--limits: invalid"],
      [["--nope"], "Unknown option '--nope'"],
    ];
    for (const [args, message] of bad) expect(() => parseOptions(args)).toThrow(message);
    expect(() => parseOptions(["--fill", "later"])).toThrow(OptionError);
    const good = parseOptions(["--sizing", "equity:25", "--direction", "long-short", "--fill", "close"]);
    expect([good.sizing, good.direction, good.fillAt]).toEqual([
      { mode: "equity", percent: "25" },
      "long-short",
      "close",
    ]);
  });
});

describe("instrument definitions", () => {
  it("define any symbol from flags or a file, and refuse one with neither", () => {
    expect(() => resolveInstrument("AAPL", undefined, undefined, {})).toThrow(
      "no instrument definition for AAPL: give at least --currency",
    );
    const aapl = resolveInstrument("AAPL", undefined, undefined, {
      currency: "USD",
      tick: "0.01",
      lot: "1",
      fee: "0.001",
    });
    expect(aapl).toMatchObject({
      symbol: "AAPL",
      quote: "USD",
      tickSize: "0.01",
      lotSize: "1",
      minQuantity: "1",
      takerFee: "0.001",
    });
    const fromFile = resolveInstrument(
      "AAPL",
      undefined,
      { AAPL: { quote: "USD", kind: "STOCK", tickSize: "0.01", lotSize: "1" } },
      {},
    );
    expect(fromFile).toMatchObject({ kind: "STOCK", quote: "USD", lotSize: "1" });
    const known = SIM_INSTRUMENTS[0];
    expect(resolveInstrument("BTC-KRW", known, undefined, {})).toBe(known as (typeof SIM_INSTRUMENTS)[number]);
    expect(resolveInstrument("BTC-KRW", known, undefined, { fee: "0.001" }).takerFee).toBe("0.001");
    expect(() => resolveInstrument("AAPL", undefined, { quote: "USD", tickSize: "-1" }, {})).toThrow(InstrumentError);
  });

  it("refuse a KRW stock definition that names no KRX market instead of taxing it as KOSPI", () => {
    const stock = { currency: "KRW", kind: "STOCK", tick: "1", lot: "1" };
    expect(() => resolveInstrument("000660", undefined, undefined, stock)).toThrow(
      "a stock priced in KRW is a KRX listing, whose sell tax depends on its market: give --market",
    );
    expect(resolveInstrument("000660", undefined, undefined, { ...stock, market: "KOSDAQ" }).market).toBe("KOSDAQ");
    expect(resolveInstrument("000660", undefined, { quote: "KRW", kind: "STOCK", market: "KONEX" }, {}).market).toBe(
      "KONEX",
    );
    expect(() => parseOptions(["--market", "NASDAQ"])).toThrow("--market NASDAQ: expected one of KOSPI, KOSDAQ, KONEX");
    expect(parseOptions(["--market", "KOSDAQ"]).instrument.market).toBe("KOSDAQ");
  });

  it("let a user's own CSV run without refused orders, and name the problem when the definition is missing", async () => {
    const dir = await mkdtemp(join(tmpdir(), "jts-backtest-cli-"));
    try {
      const data = join(dir, "aapl.csv");
      await writeFile(data, userTicks());
      const params = '{"fastPeriod":3,"slowPeriod":8,"quantity":"10"}';
      const missing = await backtest(["--data", data, "--params", params, "--quiet", "--out", join(dir, "a")]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain("no instrument definition for AAPL");
      expect(missing.stdout).toBe("");

      const out = join(dir, "b");
      const run = await backtest([
        ...["--data", data, "--params", params, "--currency", "USD", "--tick", "0.01", "--lot", "1"],
        ...["--fee", "0.001", "--cash", "100000", "--out", out],
      ]);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain("Instrument: AAPL CRYPTO in USD, tick 0.01, lot 1, fees maker 0.001 taker 0.001");
      const report = JSON.parse(await readFile(join(out, "report.json"), "utf8"));
      expect(report.metrics.fills).toBeGreaterThan(2);
      expect(report.metrics.rejected).toBe(0);
      expect(run.stderr).not.toContain("backtest:"); // not a terminal and not asked: no progress

      const html = await readFile(join(out, "report.html"), "utf8");
      expect(html).toStartWith("<!doctype html>");
      expect(html).not.toMatch(/<script|<link|src=|url\(/i); // nothing fetched: self-contained
      expect(html.match(/<path d="M/g)?.length).toBe(report.metrics.fills); // every fill marked on the chart
      expect(html).toContain('aria-label="equity curve"');
      expect(html.match(/<tr class="(win|loss)">/g)?.length).toBe(report.roundTrips.length);
      const trips = (await readFile(join(out, "round-trips.csv"), "utf8")).trim().split("\n");
      expect(trips[0]).toBe("side,entry_ts,exit_ts,quantity,entry_price,exit_price,fees,pnl,return_pct,fills,open");
      expect(trips.length - 1).toBe(report.roundTrips.length);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
