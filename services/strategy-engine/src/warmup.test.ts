import { beforeEach, describe, expect, it } from "bun:test";
import { type Candle, type CandleQuery, Subjects } from "@jts/contracts";
import { AppError, MemoryRpc, rpcClient, serve } from "@jts/kit";
import { readWarmupCandles, WARMUP_CHUNK } from "./warmup.ts";

const MINUTE = 60_000_000_000n;
const bar = (i: number): Candle => ({
  symbol: "BTC-KRW",
  venue: "sim",
  interval: "1m",
  tsOpen: String(1764236400000000000n + BigInt(i) * MINUTE),
  ...{ open: String(i), high: String(i), low: String(i), close: String(i) },
  ...{ volume: "1", trades: 1, closed: true },
});

describe("strategy warm-up reads its candles in chunks that fit one NATS message", () => {
  let rpc: MemoryRpc;
  let asked: CandleQuery[];

  /** The collector as md.candles answers: the newest `limit` bars at or before `to`, oldest first. Refuses more than a chunk, as a 1 MiB message would. */
  const collector = (history: Candle[]) =>
    serve(rpc, Subjects.candles, (query) => {
      asked.push(query);
      const limit = query.limit ?? 500;
      if (limit > WARMUP_CHUNK) throw new AppError("PAYLOAD_TOO_LARGE", `${limit} bars do not fit one message`);
      const upTo = history.filter((c) => query.to === undefined || BigInt(c.tsOpen) <= BigInt(query.to));
      return upTo.slice(-limit);
    });

  beforeEach(() => {
    rpc = new MemoryRpc();
    asked = [];
  });

  it("joins chunks back from the newest bar into exactly the bars wanted, none lost or repeated", async () => {
    const history = Array.from({ length: 2500 }, (_, i) => bar(i));
    await collector(history);
    const candles = await readWarmupCandles(rpcClient(rpc).call, "BTC-KRW", "1m", 2001);
    expect(candles).toEqual(history.slice(-2001));
    expect(asked.map((q) => q.limit)).toEqual([1000, 1000, 1]);
    // Each chunk ends just before the oldest bar read so far.
    expect(asked[1]?.to).toBe(String(BigInt(history[1500]?.tsOpen ?? 0) - 1n));
    expect(asked[2]?.to).toBe(String(BigInt(history[500]?.tsOpen ?? 0) - 1n));
  });

  it("stops when the history runs out before the bars wanted", async () => {
    const history = Array.from({ length: 1200 }, (_, i) => bar(i));
    await collector(history);
    expect(await readWarmupCandles(rpcClient(rpc).call, "BTC-KRW", "1m", 3000)).toEqual(history);
    expect(asked.map((q) => q.limit)).toEqual([1000, 1000]);
  });

  it("stops on a store that ignores `to` instead of looping or repeating bars", async () => {
    const history = Array.from({ length: 1500 }, (_, i) => bar(i));
    await serve(rpc, Subjects.candles, (query) => {
      asked.push(query);
      return history.slice(-(query.limit ?? 500));
    });
    expect(await readWarmupCandles(rpcClient(rpc).call, "BTC-KRW", "1m", 2000)).toEqual(history.slice(-1000));
    expect(asked).toHaveLength(2);
  });

  it("reads a short warm-up in one call, as before", async () => {
    await collector(Array.from({ length: 50 }, (_, i) => bar(i)));
    expect(await readWarmupCandles(rpcClient(rpc).call, "BTC-KRW", "1m", 21)).toHaveLength(21);
    expect(asked).toEqual([{ symbol: "BTC-KRW", interval: "1m", limit: 21 }]);
  });
});
