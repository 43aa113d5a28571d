/**
 * `bun bench/src/clickhouse-ingest.ts [ticks] [symbols]`: writes
 * ticks through the batching writer into a fresh chdb directory (or
 * CLICKHOUSE_URL), then times candle queries over them. Ticks are spread
 * evenly over one UTC day per symbol.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CandleInterval, Tick } from "@jts/contracts";
import { openTickStore } from "@jts/kit/clickhouse";

const count = Number(process.argv[2] ?? 100_000);
const symbolCount = Number(process.argv[3] ?? 5);
const symbols = ["005930", "BTC-KRW", "ETH-KRW", "000660", "035420", "XRP-KRW", "SOL-KRW", "ADA-KRW"].slice(
  0,
  symbolCount,
);
const dir = process.env.CLICKHOUSE_URL ? undefined : mkdtempSync(join(tmpdir(), "jts-chdb-bench-"));
const database = `bench_${Date.now()}`;
const store = await openTickStore({ url: process.env.CLICKHOUSE_URL, path: dir, database, retentionDays: 0 });

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
console.log(
  `insert: ${count} ticks (${symbols.length} symbols) in ${(t2 - t0).toFixed(0)} ms` +
    ` = ${Math.round(count / ((t2 - t0) / 1000))} ticks/s; writeTick loop ${(t1 - t0).toFixed(0)} ms,` +
    ` ${stats.batchesWritten} batches, ${stats.failedFlushes} failed, ${stats.rowsDropped} dropped`,
);

for (const [interval, limit] of [
  ["1m", 5000],
  ["1m", 1000],
  ["5m", 1000],
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
  console.log(
    `query: ${interval} limit ${limit} -> ${bars} bars in ${runs[2]?.toFixed(1)} ms (median of 5, min ${runs[0]?.toFixed(1)})`,
  );
}

await store.close();
if (dir) rmSync(dir, { recursive: true, force: true });
