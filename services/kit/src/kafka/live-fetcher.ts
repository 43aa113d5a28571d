import type { KafkaMessage } from "kafkajs";
import type { Logger } from "../log.ts";

/** How soon partitions without a leader are looked up again. */
const LEADERLESS_RETRY_MS = 500;

/** One partition's answer to a fetch: its messages, possibly from before the offset asked for. */
export interface FetchedPartition {
  partition: number;
  messages: KafkaMessage[];
}

export interface FetchedTopic {
  topicName: string;
  partitions: FetchedPartition[];
}

export interface FetchRequest {
  maxWaitMs: number;
  topics: Array<{ topic: string; partitions: Array<{ partition: number; fetchOffset: string }> }>;
}

/** What the live fetcher asks of Kafka (kafkaFetchClient: kafkajs' cluster; tests: a fake). */
export interface FetchClient {
  /** Loads the partitions and leaders of these topics (and keeps them among the ones it knows). */
  watch(topics: string[]): Promise<void>;
  partitionsOf(topic: string): number[];
  leaderOf(topic: string, partition: number): number | undefined;
  refreshMetadata(): Promise<void>;
  /** The offset the next message of each partition will get. */
  endOffsets(topic: string, partitions: number[]): Promise<Map<number, bigint>>;
  /** One Fetch request to a broker; rejects on any partition's error (kafkajs' parse). */
  fetch(nodeId: number, request: FetchRequest): Promise<FetchedTopic[]>;
  close(): Promise<void>;
}

/** A live subscription as the fetcher sees it: which partitions it takes from where, and where they go. */
export interface LiveSink {
  readonly topic: string;
  /** partition -> the first offset this sink takes; set by LiveFetcher.take only. */
  readonly from: Map<number, bigint>;
  push(message: KafkaMessage): void;
}

export interface LiveFetcherOptions {
  /** How long the broker may hold a fetch that finds nothing new. */
  maxWaitMs: number;
  /** First pause after a failed fetch; doubles up to 1 s. */
  retryMs?: number;
  logger?: Logger;
}

/**
 * One fetch loop per partition leader for every live subscription of a bus
 * (SubscribeOptions.live): no consumer group, no heartbeat, no commit. Market
 * data reaches a service as one Fetch round trip per batch of ticks and
 * quotes, where a kafkajs consumer per subscription made one round trip
 * each, plus that consumer's bookkeeping (0.7 ms of CPU a delivery against
 * 0.5 ms for the bare Fetch, one subscriber at 100 ticks/s here). A sink takes its partitions from their end at the
 * time it asks (nothing before, nothing after missed); a partition several
 * sinks take is fetched once, from the earliest of them, and each message
 * goes to the sinks whose start it has reached. The loop does not wait for
 * handlers (each sink queues its own): a slow handler delays only its own
 * subscription.
 */
export class LiveFetcher {
  private readonly sinks = new Set<LiveSink>();
  /** "topic|partition" -> the next offset to fetch. */
  private readonly positions = new Map<string, { topic: string; partition: number; next: bigint }>();
  /** Node ids with a loop running; checked and changed synchronously, so a loop never ends with work left. */
  private readonly running = new Set<number>();
  private readonly loops = new Set<Promise<void>>();
  private readonly watched = new Set<string>();
  private reloading: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(
    private readonly client: FetchClient,
    private readonly options: LiveFetcherOptions,
  ) {}

  /** The partitions of a topic (the live fetcher watches it from now on). */
  async partitionsOf(topic: string): Promise<number[]> {
    await this.watch(topic);
    return this.client.partitionsOf(topic);
  }

  /**
   * Points a sink at these partitions: one it takes already keeps its start,
   * a new one starts at its current end, one not listed is dropped. Resolves
   * once the fetch loops include them.
   */
  async take(sink: LiveSink, partitions: number[]): Promise<void> {
    if (this.closed) throw new Error("event bus is closed");
    await this.watch(sink.topic);
    const added = partitions.filter((p) => !sink.from.has(p));
    const ends = added.length > 0 ? await this.client.endOffsets(sink.topic, added) : new Map<number, bigint>();
    for (const partition of [...sink.from.keys()]) if (!partitions.includes(partition)) sink.from.delete(partition);
    for (const partition of added) {
      const end = ends.get(partition);
      if (end !== undefined) sink.from.set(partition, end);
    }
    this.sinks.add(sink);
    this.syncPositions();
    this.ensureLoops();
  }

  /** Stops fetching for a sink (a message already fetched for it may still be pushed; it ignores it). */
  drop(sink: LiveSink): void {
    this.sinks.delete(sink);
    sink.from.clear();
    this.syncPositions();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reloading);
    this.sinks.clear();
    this.positions.clear();
    // A loop in a long poll ends with its fetch; disconnecting rejects that fetch at once.
    await this.client.close().catch(() => {});
    await Promise.all(this.loops);
  }

  private async watch(topic: string): Promise<void> {
    if (this.watched.has(topic)) return;
    await this.client.watch([...this.watched, topic]);
    this.watched.add(topic);
  }

  /** Positions for what some sink takes (from the earliest start), none for what no sink takes. */
  private syncPositions(): void {
    const wanted = new Map<string, { topic: string; partition: number; from: bigint }>();
    for (const sink of this.sinks)
      for (const [partition, from] of sink.from) {
        const key = `${sink.topic}|${partition}`;
        const seen = wanted.get(key);
        if (!seen || from < seen.from) wanted.set(key, { topic: sink.topic, partition, from });
      }
    for (const key of [...this.positions.keys()]) if (!wanted.has(key)) this.positions.delete(key);
    for (const [key, { topic, partition, from }] of wanted)
      if (!this.positions.has(key)) this.positions.set(key, { topic, partition, next: from });
  }

  private ensureLoops(): void {
    if (this.closed) return;
    let leaderless = false;
    for (const { topic, partition } of this.positions.values()) {
      const node = this.client.leaderOf(topic, partition);
      if (node === undefined) leaderless = true;
      if (node === undefined || this.running.has(node)) continue;
      this.running.add(node);
      const loop = this.loop(node);
      this.loops.add(loop);
      void loop.finally(() => this.loops.delete(loop));
    }
    // A partition between leaders has no loop to fail and recover: look again shortly.
    if (leaderless && !this.reloading) {
      this.reloading = setTimeout(() => {
        this.reloading = undefined;
        void this.client
          .refreshMetadata()
          .catch(() => {})
          .then(() => this.ensureLoops());
      }, LEADERLESS_RETRY_MS);
    }
  }

  private request(node: number): FetchRequest["topics"] {
    const byTopic = new Map<string, Array<{ partition: number; fetchOffset: string }>>();
    for (const { topic, partition, next } of this.positions.values()) {
      if (this.client.leaderOf(topic, partition) !== node) continue;
      const partitions = byTopic.get(topic) ?? [];
      if (partitions.length === 0) byTopic.set(topic, partitions);
      partitions.push({ partition, fetchOffset: next.toString() });
    }
    return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
  }

  private async loop(node: number): Promise<void> {
    let failures = 0;
    for (;;) {
      const topics = this.closed ? [] : this.request(node);
      if (topics.length === 0) {
        this.running.delete(node);
        return;
      }
      try {
        this.dispatch(await this.client.fetch(node, { maxWaitMs: this.options.maxWaitMs, topics }));
        failures = 0;
      } catch (error) {
        if (this.closed) continue;
        failures++;
        await this.recover(error, failures);
      }
    }
  }

  /**
   * After a failed fetch: a partition whose offset the broker no longer has
   * (retention) starts again at its end; anything else (a leader that moved,
   * a broker down) reloads the leaders. Then a pause, and loops for new leaders.
   */
  private async recover(error: unknown, failures: number): Promise<void> {
    const { name, topic, partition, message } = error as {
      name?: string;
      topic?: string;
      partition?: number;
      message?: string;
    };
    if (failures === 1 || failures % 20 === 0)
      this.options.logger?.warn("live fetch failed, retrying", { error: message ?? String(error), failures });
    try {
      if (name === "KafkaJSOffsetOutOfRange" && topic !== undefined && partition !== undefined) {
        const end = (await this.client.endOffsets(topic, [partition])).get(partition);
        const position = this.positions.get(`${topic}|${partition}`);
        if (position && end !== undefined) position.next = end;
      } else {
        await this.client.refreshMetadata();
      }
    } catch {
      // The next fetch fails again and comes back here.
    }
    await Bun.sleep(Math.min(1000, (this.options.retryMs ?? 50) * 2 ** Math.min(failures - 1, 5)));
    this.ensureLoops();
  }

  private dispatch(topics: FetchedTopic[]): void {
    for (const { topicName, partitions } of topics)
      for (const { partition, messages } of partitions) {
        if (messages.length === 0) continue;
        const position = this.positions.get(`${topicName}|${partition}`);
        if (!position) continue; // no sink takes it any more
        for (const message of messages) {
          const offset = BigInt(message.offset);
          // A record batch comes whole: the first messages may precede the offset asked for.
          if (offset < position.next) continue;
          position.next = offset + 1n;
          if ((message as { isControlRecord?: boolean }).isControlRecord) continue;
          for (const sink of this.sinks) {
            if (sink.topic !== topicName) continue;
            const from = sink.from.get(partition);
            if (from !== undefined && offset >= from) sink.push(message);
          }
        }
      }
  }
}
