/**
 * Scenario 5a: Binance trade frames normalized to the contracts' Tick.
 *   bun bench/src/workers/binance-normalize.ts --seconds=3
 *
 * Frames follow the documented trade stream payload
 * ({"e":"trade","E":..,"s":"BNBBTC","t":..,"p":"0.001","q":"100","T":..,"m":true,"M":true}).
 * The platform's own parser is the Binance connector's `parseTradeFrame`
 * (services/brokers/binance/src/parse-trade.ts); the
 * reference parser here is built only from the contracts (decimal check,
 * ms -> ns, symbol map, compiled Tick schema) and shows what that path costs.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fx, msToNs, type Tick, Tick as TickSchema } from "@jts/contracts";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { emit, flags, num, runChild } from "../lib/child.ts";
import { ROOT_DIR } from "../lib/paths.ts";

const tickCheck = TypeCompiler.Compile(TickSchema);

const SYMBOLS = new Map([
  ["BTCUSDT", "BTC-USDT"],
  ["ETHUSDT", "ETH-USDT"],
  ["BNBBTC", "BNB-BTC"],
  ["SOLUSDT", "SOL-USDT"],
  ["XRPUSDT", "XRP-USDT"],
  ["ETHBTC", "ETH-BTC"],
]);

interface BinanceTrade {
  e: string;
  E: number;
  s: string;
  t: number;
  p: string;
  q: string;
  T: number;
  m: boolean;
}

/** Reference: JSON -> Tick with every field checked, as a venue adapter must at the boundary. */
export function parseTradeReference(frame: string): Tick {
  const m = JSON.parse(frame) as BinanceTrade;
  if (m.e !== "trade") throw new Error(`not a trade frame: ${m.e}`);
  const symbol = SYMBOLS.get(m.s);
  if (!symbol) throw new Error(`unknown symbol ${m.s}`);
  fx.toFixed(m.p);
  fx.toFixed(m.q);
  const tick: Tick = {
    symbol,
    venue: "binance",
    price: m.p,
    quantity: m.q,
    // m = the buyer is the maker, so the aggressor sold.
    aggressor: m.m ? "SELL" : "BUY",
    tradeId: String(m.t),
    tsEvent: msToNs(m.T).toString(),
  };
  if (!tickCheck.Check(tick)) throw new Error("not a contracts Tick");
  return tick;
}

export function makeFrames(count: number): string[] {
  const names = [...SYMBOLS.keys()];
  const base = Date.UTC(2026, 10, 2);
  return Array.from({ length: count }, (_, i) => {
    const s = names[i % names.length] as string;
    const price = (25 + (i % 1000) / 97).toFixed(8);
    const qty = (0.001 + (i % 313) / 1000).toFixed(8);
    return `{"e":"trade","E":${base + i + 3},"s":"${s}","t":${12345 + i},"p":"${price}","q":"${qty}","T":${base + i},"m":${i % 2 === 0},"M":true}`;
  });
}

/**
 * The Binance connector's own trade-frame parser (services/brokers/binance,
 * `parseTradeFrame`), with the symbol map the connector builds from
 * exchangeInfo; null when the tree has no connector.
 */
async function findPlatformParser(): Promise<{ name: string; file: string; parse: (frame: string) => unknown } | null> {
  const entry = join(ROOT_DIR, "services/brokers/binance/src/index.ts");
  if (!existsSync(entry)) return null;
  const connector = (await import(entry)) as typeof import("../../../services/brokers/binance/src/index.ts");
  const symbols = new connector.BinanceSymbols(
    [...SYMBOLS.values()].map((jts) => {
      const [base, quote] = jts.split("-") as [string, string];
      return { base, quote };
    }),
  );
  return {
    name: "parseTradeFrame",
    file: "services/brokers/binance/src/parse-trade.ts",
    parse: (frame) => connector.parseTradeFrame(frame, symbols),
  };
}

function throughput(parse: (frame: string) => unknown, frames: string[], seconds: number): number {
  // Warm-up, then count whole passes over the frames until the time is up.
  for (let i = 0; i < Math.min(frames.length, 50_000); i++) parse(frames[i] as string);
  let done = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 10_000; i++) parse(frames[(done + i) % frames.length] as string);
    done += 10_000;
  }
  return done / ((performance.now() - start) / 1000);
}

runChild(async () => {
  const args = flags();
  const seconds = num(args, "seconds", 3);
  const frames = makeFrames(100_000);
  const reference = throughput(parseTradeReference, frames, seconds);
  // Floors for context: JSON.parse alone, and the mapping without the decimal and schema checks.
  const jsonOnly = throughput((frame) => JSON.parse(frame), frames, seconds);
  const unchecked = throughput(
    (frame) => {
      const m = JSON.parse(frame) as BinanceTrade;
      return {
        symbol: SYMBOLS.get(m.s),
        venue: "binance",
        price: m.p,
        quantity: m.q,
        aggressor: m.m ? "SELL" : "BUY",
        tradeId: String(m.t),
        tsEvent: `${m.T}000000`,
      };
    },
    frames,
    seconds,
  );
  const platform = await findPlatformParser();
  let platformRate: number | null = null;
  let platformError: string | null = null;
  if (platform) {
    try {
      const sample = platform.parse(frames[0] as string);
      if (!tickCheck.Check(sample)) platformError = `${platform.name} does not return a contracts Tick`;
      else platformRate = throughput(platform.parse, frames, seconds);
    } catch (error) {
      platformError = `${platform.name} failed on a documented frame: ${(error as Error).message}`;
    }
  }
  emit("result", {
    referenceFramesPerSec: Math.round(reference),
    jsonParseOnlyPerSec: Math.round(jsonOnly),
    uncheckedMappingPerSec: Math.round(unchecked),
    platformParser: platform ? `${platform.file}#${platform.name}` : null,
    platformFramesPerSec: platformRate === null ? null : Math.round(platformRate),
    platformError,
  });
});
