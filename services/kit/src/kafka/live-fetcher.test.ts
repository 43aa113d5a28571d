import { afterEach, describe, expect, it } from "bun:test";
import type { KafkaMessage } from "kafkajs";
import { eventually } from "../testing/eventually.ts";
import { type FetchClient, type FetchedTopic, type FetchRequest, LiveFetcher, type LiveSink } from "./live-fetcher.ts";

/** A broker in memory: a log per topic-partition, leaders that can move, errors on demand. */
class FakeKafka implements FetchClient {
  readonly logs = new Map<string, string[]>();
  readonly leaders = new Map<string, number>();
  readonly requests: Array<{ node: number; request: FetchRequest }> = [];
  /** Makes the error the next fetch to this node throws (once). */
  readonly failNext = new Map<number, () => Error>();
  metadataRefreshes = 0;
  private waiting: Array<() => void> = [];

  constructor(topics: Record<string, number>) {
    for (const [topic, partitions] of Object.entries(topics))
      for (let p = 0; p < partitions; p++) {
        this.logs.set(`${topic}|${p}`, []);
        this.leaders.set(`${topic}|${p}`, 1);
      }
  }

  append(topic: string, partition: number, ...values: string[]): void {
    this.logs.get(`${topic}|${partition}`)?.push(...values);
    for (const wake of this.waiting.splice(0)) wake();
  }

  async watch(): Promise<void> {}
  partitionsOf(topic: string): number[] {
    return [...this.logs.keys()].filter((k) => k.startsWith(`${topic}|`)).map((k) => Number(k.split("|")[1]));
  }
  leaderOf(topic: string, partition: number): number | undefined {
    return this.leaders.get(`${topic}|${partition}`);
  }
  async refreshMetadata(): Promise<void> {
    this.metadataRefreshes++;
  }
  async endOffsets(topic: string, partitions: number[]): Promise<Map<number, bigint>> {
    return new Map(partitions.map((p) => [p, BigInt(this.logs.get(`${topic}|${p}`)?.length ?? 0)]));
  }
  async fetch(node: number, request: FetchRequest): Promise<FetchedTopic[]> {
    this.requests.push({ node, request });
    const failure = this.failNext.get(node);
    if (failure) {
      this.failNext.delete(node);
      throw failure();
    }
    const answer = () =>
      request.topics
        .map(({ topic, partitions }) => ({
          topicName: topic,
          partitions: partitions.map(({ partition, fetchOffset }) => {
            const log = this.logs.get(`${topic}|${partition}`) ?? [];
            // Whole "batches" of two, as a broker hands back record batches that begin before the offset asked for.
            const start = Math.max(0, Number(fetchOffset) - (Number(fetchOffset) % 2));
            return { partition, messages: log.slice(start).map((value, i) => message(start + i, value)) };
          }),
        }))
        .filter((t) =>
          t.partitions.some((p) => p.messages.some((m) => BigInt(m.offset) >= offsetAsked(request, t, p))),
        );
    const now = answer();
    if (now.length > 0 || this.closed) return now;
    // Held until something arrives or the wait runs out, as a broker holds a fetch.
    await new Promise<void>((resolve) => {
      this.waiting.push(resolve);
      setTimeout(resolve, request.maxWaitMs);
    });
    return answer();
  }
  closed = false;
  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.waiting.splice(0)) wake();
  }
}

function offsetAsked(request: FetchRequest, topic: FetchedTopic, partition: { partition: number }): bigint {
  const asked = request.topics
    .find((t) => t.topic === topic.topicName)
    ?.partitions.find((p) => p.partition === partition.partition);
  return BigInt(asked?.fetchOffset ?? 0);
}

function message(offset: number, value: string): KafkaMessage {
  return {
    offset: String(offset),
    value: Buffer.from(value),
    key: null,
    timestamp: "0",
    attributes: 0,
    headers: {},
  } as KafkaMessage;
}

class Collecting implements LiveSink {
  readonly from = new Map<number, bigint>();
  readonly got: string[] = [];
  constructor(readonly topic: string) {}
  push(message: KafkaMessage): void {
    this.got.push(String(message.value));
  }
}

describe("LiveFetcher", () => {
  let fetcher: LiveFetcher | undefined;
  afterEach(async () => {
    await fetcher?.close();
  });

  it("fetches every sink's partitions in one request and gives each only what came after it subscribed", async () => {
    const kafka = new FakeKafka({ tick: 2, quote: 2 });
    kafka.append("tick", 0, "old-tick");
    kafka.append("quote", 1, "old-quote");
    fetcher = new LiveFetcher(kafka, { maxWaitMs: 50 });
    const ticks = new Collecting("tick");
    const quotes = new Collecting("quote");
    await fetcher.take(ticks, [0, 1]);
    await fetcher.take(quotes, [0, 1]);
    kafka.append("tick", 0, "t1");
    kafka.append("quote", 1, "q1");
    kafka.append("tick", 1, "t2");
    await eventually(() => {
      expect(ticks.got.sort()).toEqual(["t1", "t2"]);
      expect(quotes.got).toEqual(["q1"]);
    });
    const last = kafka.requests
      .at(-1)
      ?.request.topics.map((t) => t.topic)
      .sort();
    expect(last).toEqual(["quote", "tick"]);
  });

  it("skips the messages of a batch that precede the offset asked for, and never hands one over twice", async () => {
    const kafka = new FakeKafka({ tick: 1 });
    kafka.append("tick", 0, "before");
    fetcher = new LiveFetcher(kafka, { maxWaitMs: 50 });
    const sink = new Collecting("tick");
    await fetcher.take(sink, [0]);
    // One at a time, so the fetch after "b" (offset 2) asks for offset 3 and is answered from 2, its batch's start.
    const sent: string[] = [];
    for (const value of ["a", "b", "c"]) {
      kafka.append("tick", 0, value);
      sent.push(value);
      await eventually(() => expect(sink.got).toEqual(sent));
    }
    await Bun.sleep(120);
    expect(sink.got).toEqual(["a", "b", "c"]);
  });

  it("gives a later sink of the same partition only what came after it, while the first goes on", async () => {
    const kafka = new FakeKafka({ tick: 1 });
    fetcher = new LiveFetcher(kafka, { maxWaitMs: 50 });
    const first = new Collecting("tick");
    await fetcher.take(first, [0]);
    kafka.append("tick", 0, "one");
    await eventually(() => expect(first.got).toEqual(["one"]));
    const second = new Collecting("tick");
    await fetcher.take(second, [0]);
    kafka.append("tick", 0, "two");
    await eventually(() => expect(first.got).toEqual(["one", "two"]));
    await eventually(() => expect(second.got).toEqual(["two"]));
  });

  it("starts a partition whose offset the broker no longer has again at its end", async () => {
    const kafka = new FakeKafka({ tick: 1 });
    fetcher = new LiveFetcher(kafka, { maxWaitMs: 50, retryMs: 1 });
    kafka.failNext.set(1, () => {
      // Retention moved the log on meanwhile: offset 0 is gone, the end is 3.
      for (const value of ["gone-1", "gone-2", "gone-3"]) kafka.logs.get("tick|0")?.push(value);
      return Object.assign(new Error("offset out of range"), {
        name: "KafkaJSOffsetOutOfRange",
        topic: "tick",
        partition: 0,
      });
    });
    const sink = new Collecting("tick");
    await fetcher.take(sink, [0]);
    await eventually(() => expect(kafka.requests.length).toBeGreaterThan(1));
    kafka.append("tick", 0, "fresh");
    await eventually(() => expect(sink.got).toEqual(["fresh"]));
  });

  it("reloads the leaders after a failed fetch and fetches a moved partition from its new leader", async () => {
    const kafka = new FakeKafka({ tick: 2 });
    fetcher = new LiveFetcher(kafka, { maxWaitMs: 50, retryMs: 1 });
    const sink = new Collecting("tick");
    await fetcher.take(sink, [0, 1]);
    kafka.leaders.set("tick|1", 2);
    kafka.failNext.set(1, () => Object.assign(new Error("not the leader"), { name: "KafkaJSProtocolError" }));
    await eventually(() => expect(kafka.metadataRefreshes).toBeGreaterThan(0));
    kafka.append("tick", 1, "at-2");
    kafka.append("tick", 0, "at-1");
    await eventually(() => expect(sink.got.sort()).toEqual(["at-1", "at-2"]));
    const partitionsAt = (node: number) =>
      kafka.requests
        .filter((r) => r.node === node)
        .at(-1)
        ?.request.topics.flatMap((t) => t.partitions.map((p) => p.partition));
    expect(partitionsAt(1)).toEqual([0]);
    expect(partitionsAt(2)).toEqual([1]);
  });

  it("stops fetching the partitions of a dropped sink", async () => {
    const kafka = new FakeKafka({ tick: 1, quote: 1 });
    fetcher = new LiveFetcher(kafka, { maxWaitMs: 20 });
    const ticks = new Collecting("tick");
    const quotes = new Collecting("quote");
    await fetcher.take(ticks, [0]);
    await fetcher.take(quotes, [0]);
    fetcher.drop(quotes);
    await Bun.sleep(60);
    kafka.append("quote", 0, "q");
    kafka.append("tick", 0, "t");
    await eventually(() => expect(ticks.got).toEqual(["t"]));
    expect(quotes.got).toEqual([]);
    expect(kafka.requests.at(-1)?.request.topics.map((t) => t.topic)).toEqual(["tick"]);
  });
});
