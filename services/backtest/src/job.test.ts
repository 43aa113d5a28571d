import { describe, expect, it } from "bun:test";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BacktestRequest } from "@jts/contracts";
import { toCsv } from "./csv.ts";
import { DEFAULT_BACKTEST_PARAMS } from "./defaults.ts";
import { requestArgv, runInWorker, runRequest } from "./job.ts";
import { OptionError } from "./options.ts";
import { RunInputError } from "./run.ts";
import { generateSampleCandles } from "./sample.ts";

const sample: BacktestRequest = {
  kind: "ma-crossover",
  params: DEFAULT_BACKTEST_PARAMS["ma-crossover"],
  source: { type: "sample" },
  fee: "0.0005",
  sizing: "equity:50",
};

async function cli(args: string[]) {
  const proc = Bun.spawn(["bun", join(import.meta.dir, "main.ts"), ...args], { stdout: "pipe", stderr: "pipe" });
  const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  return { stderr, code };
}

describe("a backtest asked for over the API", () => {
  it("gives the numbers `just backtest` gives for the same flags", async () => {
    const out = await mkdtemp(join(tmpdir(), "jts-job-"));
    try {
      const csv = toCsv(generateSampleCandles().slice(0, 600));
      const data = join(out, "data.csv");
      await writeFile(data, csv);
      const request: BacktestRequest = { ...sample, source: { type: "csv", csv } };
      const [view, run] = await Promise.all([
        runRequest(request),
        cli([...requestArgv(request), "--data", data, "--out", join(out, "report")]),
      ]);
      expect(run.code).toBe(0);
      const report = JSON.parse(await readFile(join(out, "report", "report.json"), "utf8"));
      for (const [key, value] of Object.entries(view.summary)) expect([key, report.metrics[key]]).toEqual([key, value]);
      expect(view.roundTrips).toEqual(report.roundTrips);
      expect(view.fills).toEqual(report.fills);
      expect(view.summary.fills).toBeGreaterThan(0);
      expect(view.candles).toHaveLength(600);
      expect(view.equity.at(-1)?.equity).toBeCloseTo(Number(view.summary.endingEquity), 2);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 60_000);

  it("runs on a worker thread with the same result, reporting progress up to done", async () => {
    const shares: number[] = [];
    const [onWorker, here] = await Promise.all([
      runInWorker(sample, (share) => shares.push(share)).result,
      runRequest(sample),
    ]);
    expect(onWorker).toEqual(here);
    expect(shares.at(-1)).toBe(1);
    expect(shares.length).toBeGreaterThan(10);
    expect(shares).toEqual([...shares].sort((a, b) => a - b));
    // The sample is 2880 bars: the chart's series are thinned and merged to the cap.
    expect(here.equity.length).toBeLessThanOrEqual(2000);
    expect(here.candles.length).toBeLessThanOrEqual(2000);
  }, 60_000);

  it("refuses bad input before anything runs, naming the problem", async () => {
    await expect(runRequest({ ...sample, params: { fastPeriod: 30, slowPeriod: 10, quantity: "1" } })).rejects.toThrow(
      OptionError,
    );
    await expect(runRequest({ ...sample, sizing: "equity:150" })).rejects.toThrow("at most 100");
    await expect(runRequest({ ...sample, source: { type: "csv", csv: "ts,symbol,price\n" } })).rejects.toThrow(
      RunInputError,
    );
    await expect(
      runRequest({ ...sample, source: { type: "csv", csv: "ts,symbol,price,quantity\n1,AAPL,1,1\n" } }),
    ).rejects.toThrow("no instrument definition for AAPL");
  });

  it("ends a canceled worker at once", async () => {
    const run = runInWorker(sample, () => {});
    run.cancel();
    await expect(run.result).rejects.toThrow("canceled");
  });
});
