/**
 * Trade-frame parser throughput: `bun services/brokers/binance/src/parse-bench.ts`.
 * Parses a ring of distinct combined-stream trade frames for ~2 s and prints
 * frames per second (target >= 1,000,000 on one core); exits 1 below target.
 */
import { parseTradeFrame } from "./parse-trade.ts";
import { BinanceSymbols } from "./symbols.ts";

/**
 * Two rates: per wall-clock second, and per second of this process's CPU
 * time. On a shared machine (load above the core count) the wall rate
 * measures the neighbours; the CPU rate measures the parser.
 */
export function benchTradeParser(durationMs = 2_000): {
  framesPerSecond: number;
  framesPerCpuSecond: number;
  frames: number;
} {
  const symbols = new BinanceSymbols([
    { base: "BTC", quote: "USDT" },
    { base: "ETH", quote: "USDT" },
  ]);
  const frames = Array.from({ length: 1024 }, (_, i) => {
    const s = i % 2 ? "BTCUSDT" : "ETHUSDT";
    const data = `{"e":"trade","E":${1_700_000_000_000 + i},"s":"${s}","t":${5_000_000 + i},"p":"${(50_000 + i / 100).toFixed(8)}","q":"0.0${(i % 90) + 10}00000","T":${1_700_000_000_000 + i},"m":${i % 3 === 0},"M":true}`;
    return `{"stream":"${s.toLowerCase()}@trade","data":${data}}`;
  });
  let count = 0;
  let sink = 0;
  for (let i = 0; i < 100_000; i++) sink += parseTradeFrame(frames[i & 1023] as string, symbols)?.price.length ?? 0; // warm-up
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  let now = started;
  while (now - started < durationMs) {
    for (let i = 0; i < 100_000; i++) {
      const tick = parseTradeFrame(frames[i & 1023] as string, symbols);
      if (tick) sink += tick.price.length;
    }
    count += 100_000;
    now = performance.now();
  }
  const cpu = process.cpuUsage(cpuStart);
  if (sink === 0) throw new Error("parser produced nothing");
  return {
    framesPerSecond: Math.round(count / ((now - started) / 1000)),
    framesPerCpuSecond: Math.round(count / ((cpu.user + cpu.system) / 1e6)),
    frames: count,
  };
}

if (import.meta.main) {
  const { framesPerSecond, framesPerCpuSecond, frames } = benchTradeParser();
  const fmt = (n: number) => n.toLocaleString("en");
  console.log(
    `binance trade parser: ${fmt(framesPerSecond)} frames/s wall, ${fmt(framesPerCpuSecond)} frames per CPU-second (${fmt(frames)} frames)`,
  );
  process.exit(framesPerCpuSecond >= 1_000_000 ? 0 : 1);
}
