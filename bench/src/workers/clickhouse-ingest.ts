/**
 * Scenario 5b: ticks into ClickHouse through the platform's batching writer
 * (openTickStore: chdb in a fresh directory, or CLICKHOUSE_URL), then candle
 * queries over them. Was bench/src/clickhouse-ingest.ts.
 *   bun bench/src/workers/clickhouse-ingest.ts --ticks=500000 --symbols=5
 * Ticks are spread evenly over one UTC day per symbol. Ingest time runs from
 * the first writeTick to the end of flush(): every row is in the table.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CandleInterval, Tick } from "@jts/contracts";
import { openTickStore } from "@jts/kit/clickhouse";
import { emit, flags, num, runChild } from "../lib/child.ts";

runChild(async () => {
  const args = flags();
  const count = num(args, "ticks", 500_000);
  const symbolCount = num(args, "symbols", 5);
  const symbols = ["005930", "BTC-KRW", "ETH-KRW", "000660", "035420", "XRP-KRW", "SOL-KRW", "ADA-KRW"].slice(
    0,
    symbolCount,
  );
  const dir = process.env.CLICKHOUSE_URL ? undefined : mkdtempSync(join(tmpdir(), "jts-chdb-bench-"));
  const database = `bench_${Date.now()}`;
  const store = await openTickStore({
    url: process.env.CLICKHOUSE_URL,
    path: dir,
    database,
    retentionDays: 0,
    // Room for the whole burst: the default would refuse rows past 1M.
    writer: { maxBufferedRows: Math.max(1_000_000, count) },
  });
  try {
    const day = BigInt(Date.UTC(2026, 10, 2)) * 1_000_000n;
    const spacing = (86_400n * 1_000_000_000n * BigInt(symbols.length)) / BigInt(count);
    const ticks: Tick[] = Array.from({ length: count }, (_, i) => ({
      symbol: symbols[i % symbols.length] as string,
      venue: "sim",
      price: (70_000 + (i % 977) * 10).toString(),
      quantity: `0.${(i % 9) + 1}`,
      aggressor: i % 2 ? "BUY" : "SELL",
      tradeId: `b${i}`,
      tsEvent: (day + BigInt(Math.floor(i / symbols.length)) * spacing).toString(),
    }));

    const t0 = performance.now();
    for (const tick of ticks) store.writeTick(tick);
    const t1 = performance.now();
    await store.flush();
    const t2 = performance.now();
    const stats = store.stats().ticks;

    const queries: Array<{ interval: string; limit: number; bars: number; medianMs: number }> = [];
    for (const [interval, limit] of [
      ["1m", 1000],
      ["1h", 1000],
      ["1d", 1000],
    ] as Array<[CandleInterval, number]>) {
      const runs: number[] = [];
      let bars = 0;
      for (let i = 0; i < 5; i++) {
        const start = performance.now();
        bars = (await store.candles({ symbol: symbols[0] as string, interval, limit })).length;
        runs.push(performance.now() - start);
      }
      runs.sort((a, b) => a - b);
      queries.push({ interval, limit, bars, medianMs: Math.round((runs[2] ?? 0) * 10) / 10 });
    }
    emit("result", {
      ticks: count,
      symbols: symbols.length,
      ticksPerSec: Math.round(count / ((t2 - t0) / 1000)),
      writeTickLoopMs: Math.round(t1 - t0),
      flushMs: Math.round(t2 - t1),
      batches: stats.batchesWritten,
      rowsWritten: stats.rowsWritten,
      failedFlushes: stats.failedFlushes,
      rowsDropped: stats.rowsDropped,
      queries,
      engine: process.env.CLICKHOUSE_URL ? "ClickHouse server" : "chdb",
    });
  } finally {
    await store.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
});
