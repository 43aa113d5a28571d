import type { Consumer, Kafka, KafkaMessage } from "kafkajs";
import type { Logger } from "../log.ts";
import type { LiveFetcher, LiveSink } from "./live-fetcher.ts";

/**
 * A live subscription's messages waiting for its handler, one at a time in
 * fetch order. Bounded: past `limit` the oldest go (a live price that old is
 * stale), as the NATS bus's live backlog.
 */
export class LiveQueue implements LiveSink {
  readonly from = new Map<number, bigint>();
  private readonly backlog: KafkaMessage[] = [];
  private draining: Promise<void> | null = null;
  private stopped = false;
  private dropped = 0;

  constructor(
    readonly topic: string,
    private readonly deliver: (message: KafkaMessage) => Promise<void>,
    private readonly limit: number,
    private readonly logger?: Logger,
  ) {}

  push(message: KafkaMessage): void {
    if (this.stopped) return;
    if (this.backlog.push(message) > this.limit) {
      this.backlog.shift();
      if (this.dropped++ % this.limit === 0)
        this.logger?.warn("live subscription behind: oldest messages dropped", {
          topic: this.topic,
          dropped: this.dropped,
        });
    }
    if (!this.draining) this.draining = this.drain();
  }

  /** Takes nothing more; resolves once the message in its handler is done. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.backlog.length = 0;
    await this.draining;
  }

  private async drain(): Promise<void> {
    let message = this.backlog.shift();
    while (message) {
      // deliver() dead-letters what fails; one it cannot even dead-letter is dropped: a live message is never
      // fetched again, so nothing is gained by stopping.
      await this.deliver(message).catch((error: unknown) =>
        this.logger?.error("live message neither handled nor dead-lettered: dropped", {
          topic: this.topic,
          offset: message?.offset,
          error: (error as Error).message ?? String(error),
        }),
      );
      message = this.stopped ? undefined : this.backlog.shift();
    }
    // Set in the same turn as the empty check above, so a push after it starts a new drain.
    this.draining = null;
  }
}

export interface LiveGroupOptions {
  heartbeatMs: number;
  sessionTimeoutMs: number;
  /** How often its paused consumer wakes to heartbeat and notice a rebalance. */
  pollMs: number;
  logger?: Logger;
}

/**
 * A live subscription's membership in its group: a kafkajs consumer that
 * joins, heartbeats and takes part in rebalances, with its own fetching
 * paused; each assignment it gets is handed to the live fetcher, which
 * fetches those partitions for the sink (a partition kept keeps its
 * position, a new one starts at its end). It never commits: a live group
 * has no offsets to resume from.
 */
export class LiveGroupMember {
  private consumer: Consumer | undefined;
  /** Assignments applied one after another, so an older one never lands after a newer one. */
  private applying: Promise<void> = Promise.resolve();

  constructor(
    private readonly kafka: Kafka,
    private readonly groupId: string,
    private readonly sink: LiveSink,
    private readonly fetcher: LiveFetcher,
    private readonly options: LiveGroupOptions,
  ) {}

  /** Resolves once the first assignment is fetched for the sink. */
  async join(): Promise<void> {
    const topic = this.sink.topic;
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      heartbeatInterval: this.options.heartbeatMs,
      sessionTimeout: this.options.sessionTimeoutMs,
      maxWaitTimeInMs: this.options.pollMs,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    let firstAssigned: () => void = () => {};
    let firstFailed: (error: unknown) => void = () => {};
    const assigned = new Promise<void>((resolve, reject) => {
      firstAssigned = resolve;
      firstFailed = reject;
    });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      // Paused again after every join: a consumer kafkajs restarts after a crash starts unpaused.
      consumer.pause([{ topic }]);
      this.assign(payload.memberAssignment[topic] ?? []).then(firstAssigned, firstFailed);
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      // Out of the group: its partitions are another member's now (or again ours after kafkajs' restart joins).
      this.options.logger?.warn("live group member crashed", {
        groupId: this.groupId,
        error: payload.error.message,
        restart: payload.restart,
      });
      this.assign([]).catch(() => {});
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: false });
    // kafkajs emits GROUP_JOIN (which pauses) before its fetch loop starts, so its own fetch brings nothing;
    // whatever it might would be dropped here all the same: the live fetcher delivers.
    await consumer.run({ autoCommit: false, eachBatch: async () => {} });
    await assigned;
  }

  /** Leaves the group (its partitions go to the other members); the sink gets nothing more. */
  async leave(): Promise<void> {
    this.fetcher.drop(this.sink);
    await this.consumer?.disconnect().catch(() => {});
    await this.applying.catch(() => {});
    this.fetcher.drop(this.sink);
  }

  /** Rejects if this assignment could not be applied (logged too); the next one is applied all the same. */
  private assign(partitions: number[]): Promise<void> {
    const applied = this.applying.then(() => this.fetcher.take(this.sink, partitions));
    this.applying = applied.catch((error: unknown) =>
      this.options.logger?.error("live group assignment not applied", {
        groupId: this.groupId,
        partitions,
        error: (error as Error).message ?? String(error),
      }),
    );
    return applied;
  }
}
