import { describe, expect, it } from "bun:test";
import { eventually } from "../testing/eventually.ts";
import { BatchingWriter, type BatchingWriterOptions } from "./batching-writer.ts";

/** A sink that records every attempt and fails while `failing` is set. */
function fakeSink() {
  const sink = {
    attempts: [] as Array<{ rows: number[]; token: string }>,
    written: [] as number[][],
    failing: false,
    write: async (rows: number[], token: string) => {
      sink.attempts.push({ rows: [...rows], token });
      if (sink.failing) throw new Error("ClickHouse is down");
      sink.written.push([...rows]);
    },
  };
  return sink;
}

const writer = (sink: ReturnType<typeof fakeSink>, options: Partial<BatchingWriterOptions<number>> = {}) =>
  new BatchingWriter<number>({ write: sink.write, maxRows: 3, flushIntervalMs: 60_000, ...options });

describe("batching writer", () => {
  it("writes a batch as soon as maxRows rows are waiting", async () => {
    const sink = fakeSink();
    const w = writer(sink);
    for (const n of [1, 2, 3, 4]) w.add(n);
    await eventually(() => expect(sink.written).toEqual([[1, 2, 3]]));
    expect(w.stats()).toMatchObject({ rowsWritten: 3, batchesWritten: 1, bufferedRows: 1 });
    await w.close();
  });

  it("writes a partial batch once the flush interval passes", async () => {
    const sink = fakeSink();
    const w = writer(sink, { maxRows: 100, flushIntervalMs: 20 });
    w.add(1);
    w.add(2);
    expect(sink.written).toEqual([]);
    await eventually(() => expect(sink.written).toEqual([[1, 2]]));
    await w.close();
  });

  it("writes every buffered row on close before resolving, in order", async () => {
    const sink = fakeSink();
    const w = writer(sink, { maxRows: 4 });
    for (let n = 1; n <= 10; n++) w.add(n);
    await w.close();
    expect(sink.written.flat()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(w.stats()).toMatchObject({ rowsWritten: 10, bufferedRows: 0 });
    expect(() => w.add(11)).toThrow("closed");
  });

  it("keeps a failed batch and retries it whole with the same token while add goes on", async () => {
    const sink = fakeSink();
    const w = writer(sink, { retryInitialMs: 10, retryMaxMs: 20 });
    sink.failing = true;
    for (const n of [1, 2, 3]) w.add(n);
    await eventually(() => expect(sink.attempts.length).toBeGreaterThanOrEqual(3));
    for (const n of [4, 5]) expect(w.add(n)).toBe(true);
    sink.failing = false;
    await eventually(() => expect(sink.written).toEqual([[1, 2, 3]]));
    const firstTokens = new Set(sink.attempts.filter((a) => a.rows[0] === 1).map((a) => a.token));
    expect(firstTokens.size).toBe(1);
    expect(w.stats().failedFlushes).toBeGreaterThanOrEqual(3);
    await w.close();
    expect(sink.written).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    expect(sink.attempts.at(-1)?.token).not.toBe([...firstTokens][0]);
  });

  it("refuses and counts the newest rows when maxBufferedRows are held, and takes rows again once written", async () => {
    const sink = fakeSink();
    sink.failing = true;
    const w = writer(sink, { maxRows: 2, maxBufferedRows: 4, retryInitialMs: 5, retryMaxMs: 5 });
    const accepted = [1, 2, 3, 4, 5, 6].map((n) => w.add(n));
    expect(accepted).toEqual([true, true, true, true, false, false]);
    expect(w.stats()).toMatchObject({ rowsDropped: 2, bufferedRows: 4 });
    sink.failing = false;
    await eventually(() => expect(w.stats().bufferedRows).toBe(0));
    expect(w.add(7)).toBe(true);
    await w.close();
    expect(sink.written.flat()).toEqual([1, 2, 3, 4, 7]);
  });

  it("flush writes now and rejects while the sink fails, keeping the rows", async () => {
    const sink = fakeSink();
    const w = writer(sink, { maxRows: 100, retryInitialMs: 60_000 });
    w.add(1);
    sink.failing = true;
    await expect(w.flush()).rejects.toThrow("ClickHouse is down");
    sink.failing = false;
    await w.flush();
    expect(sink.written).toEqual([[1]]);
    await w.close();
  });

  it("close retries a failing sink and resolves once it recovers", async () => {
    const sink = fakeSink();
    const w = writer(sink, { maxRows: 100, retryInitialMs: 10, retryMaxMs: 10 });
    w.add(1);
    sink.failing = true;
    setTimeout(() => {
      sink.failing = false;
    }, 50);
    await w.close();
    expect(sink.written).toEqual([[1]]);
  });

  it("close gives up after closeTimeoutMs and says how many rows were not written", async () => {
    const sink = fakeSink();
    sink.failing = true;
    const w = writer(sink, { maxRows: 100, retryInitialMs: 10, retryMaxMs: 10, closeTimeoutMs: 50 });
    w.add(1);
    w.add(2);
    await expect(w.close()).rejects.toThrow("2 rows not written");
  });
});
