import {
  type Envelope,
  type EventHandler,
  type EventTransport,
  KAFKA_TOPIC_DEFAULTS,
  KAFKA_TOPICS,
  type KafkaTopicSpec,
  type SubscribeOptions,
  type Subscription,
  topicFamily,
} from "@jts/contracts";
import { type Admin, type Consumer, Kafka, type KafkaMessage, logLevel, type SASLOptions } from "kafkajs";
import type { ConsumerLag } from "../consumer-lag.ts";
import { decodeEnvelope, encodeEnvelope } from "../events/codec.ts";
import { deadLetter, deadLetterRaw, deadLetterTopic } from "../events/dead-letter.ts";
import { compilePattern } from "../events/pattern.ts";
import { oldestKeyDropper } from "../eviction.ts";
import { newId } from "../ids.ts";
import type { Logger } from "../log.ts";
import { kafkaFetchClient } from "./fetch-client.ts";
import { CoalescingProducer, OffsetCommitter } from "./latency.ts";
import { LiveFetcher } from "./live-fetcher.ts";
import { LiveGroupMember, LiveQueue } from "./live-subscription.ts";
import { registerLz4Codec } from "./lz4.ts";
import { retryRetriable } from "./retry.ts";
import { kafkaSaslFromEnv } from "./sasl.ts";

export interface KafkaBusOptions {
  brokers: string[];
  clientId?: string;
  /** Prefixed to every Kafka topic and group id (tests, several platforms on one cluster). */
  namespace?: string;
  topics?: readonly KafkaTopicSpec[];
  /** Partitions of a topic family that is not declared (created on first use). */
  defaultPartitions?: number;
  logger?: Logger;
  /** SASL (SCRAM) credentials; from KAFKA_SASL_* when omitted (kafkaSaslFromEnv). */
  sasl?: SASLOptions;
  /**
   * How long a group member may hold handled offsets before committing them
   * (default 1000 ms; 0 commits after every message). Not on the delivery
   * path; what a crash can redeliver (at-least-once either way).
   */
  commitIntervalMs?: number;
  /**
   * Most messages a live subscription holds while its handler is busy (default
   * 10000); past it the oldest go.
   */
  liveBacklog?: number;
}

const TOPIC_HEADER = "jts-topic";
/** How long the broker may hold a fetch that finds nothing new. */
const FETCH_WAIT_MS = 500;
const HEARTBEAT_MS = 500;
const SESSION_TIMEOUT_MS = 10_000;
const LIVE_BACKLOG = 10_000;
/**
 * A live group member only heartbeats (its fetching is the LiveFetcher's): once a second halves its idle
 * wake-ups against a durable consumer's, and a rebalance it must take part in waits at most that long.
 */
const LIVE_GROUP_HEARTBEAT_MS = 1000;

/**
 * The events port on Apache Kafka. Declared topics are created at start with
 * the contracts' configs; the producer is idempotent, LZ4-compressed and keys
 * by the envelope key, so one symbol's or account's events keep their order.
 * Publishes made while a send is in flight leave together in the next one
 * (CoalescingProducer: one request, acked by every in-sync replica, before
 * any of their promises resolves), so a burst costs one round trip, not one
 * each.
 * A group is a Kafka consumer group; a subscriber without one gets a group of
 * its own. A new group starts at the current end of its topic (nothing
 * published before subscribe() resolved is replayed, nothing after is
 * missed). Handlers are retried in place; after `maxAttempts`, and for any
 * message that is not a valid envelope, the message goes to the dead-letter
 * topic and the consumer moves on. Offsets of handled messages are committed
 * in the background (OffsetCommitter, every `commitIntervalMs`) and on
 * unsubscribe and close, never between a fetch and the next: a crash
 * redelivers what was handled since the last commit (at-least-once, as before;
 * handlers that move money dedupe by event id). Within the process, a message
 * a subscription already handled (a rebalance's replay, a re-sent publish) is
 * skipped: RedeliveredInProcess.
 * A `live` subscription (market data acted on at its current price) has no
 * consumer group of its own: the bus's one LiveFetcher fetches the partitions
 * of all its live subscriptions together, from their end when each
 * subscribed, and commits nothing, so a restart replays nothing. A live
 * subscription with a group joins a group of its own (`<group>.<pattern>.live`)
 * only to share the partitions between its members (LiveGroupMember).
 */
export class KafkaEventBus implements EventTransport {
  private readonly kafka: Kafka;
  private readonly sender: CoalescingProducer;
  private readonly admin: Admin;
  /** Each consumer and how to stop it with its handled offsets committed. */
  private readonly consumers = new Map<Consumer, () => Promise<void>>();
  /** Each live subscription's stop. */
  private readonly live = new Set<() => Promise<void>>();
  /** Made with the first live subscription. */
  private liveFetcher: LiveFetcher | undefined;
  /** Each consumer group of this bus: its topic, its name without the namespace, where it started. */
  private readonly groups = new Map<string, { topic: string; group: string; startAt: Map<number, string> }>();
  private readonly known = new Set<string>();
  /** A topic family being created: concurrent first publishes share it, so they still leave in call order. */
  private readonly ensuring = new Map<string, Promise<void>>();
  private readonly namespace: string;
  private closed = false;

  private constructor(private readonly options: KafkaBusOptions) {
    registerLz4Codec();
    this.namespace = options.namespace ?? "";
    this.kafka = new Kafka({
      clientId: options.clientId ?? "jts",
      brokers: options.brokers,
      sasl: options.sasl ?? kafkaSaslFromEnv(),
      logLevel: logLevel.NOTHING,
      retry: { initialRetryTime: 100, retries: 8 },
    });
    // A factory: the sender replaces its producer after a failed request (see CoalescingProducer).
    this.sender = new CoalescingProducer(() =>
      this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false }),
    );
    this.admin = this.kafka.admin();
  }

  static async create(options: KafkaBusOptions): Promise<KafkaEventBus> {
    const bus = new KafkaEventBus(options);
    await bus.admin.connect();
    await bus.sender.connect();
    await bus.ensureTopics((options.topics ?? KAFKA_TOPICS).map((t) => t.name));
    // A fresh cluster creates and loads its offsets topic on the first group
    // request; consumers that join meanwhile fail with NOT_COORDINATOR. Wait here.
    await retryRetriable(() => bus.admin.fetchOffsets({ groupId: `${bus.namespace}warm-up`, topics: [] }));
    return bus;
  }

  private kafkaTopic(topic: string): string {
    return this.namespace + topicFamily(topic);
  }

  private ensureTopicOnce(family: string): Promise<void> {
    let ensuring = this.ensuring.get(family);
    if (!ensuring) {
      ensuring = this.ensureTopics([family]).finally(() => this.ensuring.delete(family));
      this.ensuring.set(family, ensuring);
    }
    return ensuring;
  }

  /** Creates missing topic families; declared ones get their partitions and configs. */
  private async ensureTopics(families: string[]) {
    const declared = new Map((this.options.topics ?? KAFKA_TOPICS).map((t) => [t.name, t]));
    const missing = families.map((f) => this.namespace + f).filter((name) => !this.known.has(name));
    if (missing.length === 0) return;
    const existing = new Set(await this.admin.listTopics());
    const create = missing.filter((name) => !existing.has(name));
    if (create.length > 0) {
      await this.admin
        .createTopics({
          // kafkajs' wait retries LEADER_NOT_AVAILABLE only; servedByLeaders waits out the rest of the start-up.
          waitForLeaders: false,
          topics: create.map((name) => {
            const spec = declared.get(name.slice(this.namespace.length));
            const config = { ...KAFKA_TOPIC_DEFAULTS, ...spec?.config };
            return {
              topic: name,
              numPartitions: spec?.partitions ?? this.options.defaultPartitions ?? 3,
              configEntries: Object.entries(config).map(([name, value]) => ({ name, value })),
            };
          }),
        })
        .catch((error: Error) => {
          // Another process may have created it a moment ago.
          if (!/already exists/i.test(error.message)) throw error;
        });
      await Promise.all(create.map((name) => this.servedByLeaders(name)));
    }
    for (const name of missing) this.known.add(name);
  }

  /**
   * Resolves once every partition of a topic just created answers at its
   * leader. For a moment after CreateTopics the broker answers "does not host
   * this topic-partition" (its metadata lags the controller) or "not the
   * leader" (the partition is still becoming leader); the bench's first run on
   * a fresh broker failed on it. ListOffsets goes to each partition's leader,
   * so its success is the check; both errors are retriable.
   */
  private async servedByLeaders(topic: string): Promise<void> {
    await retryRetriable(() => this.admin.fetchTopicOffsets(topic));
  }

  async publish(topic: string, event: Envelope): Promise<void> {
    if (this.closed) throw new Error("event bus is closed");
    const kafkaTopic = this.kafkaTopic(topic);
    if (!this.known.has(kafkaTopic)) await this.ensureTopicOnce(topicFamily(topic));
    await this.sender.send(kafkaTopic, {
      key: event.key,
      value: Buffer.from(encodeEnvelope(event)),
      headers: { [TOPIC_HEADER]: topic },
    });
  }

  async subscribe<Payload = unknown>(
    pattern: string,
    onEvent: EventHandler<Payload>,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    const handler = onEvent as EventHandler; // the transport moves envelopes; the typed EventBus names the payload
    const family = topicFamily(pattern);
    if (family.includes("*")) throw new Error(`Kafka cannot subscribe to a wildcard family: ${pattern}`);
    await this.ensureTopics([family]);
    const kafkaTopic = this.namespace + family;
    if (options.live) return this.subscribeLive(pattern, kafkaTopic, handler, options);
    // A Kafka group must subscribe to one thing: members of one group on different
    // topics would be handed each other's partitions. So the group id includes the pattern.
    const groupId = `${this.namespace}${options.group ?? `ephemeral-${newId()}`}.${pattern.replaceAll("*", "any")}`;
    const startAt = await this.endOffsetsIfNewGroup(groupId, kafkaTopic);
    this.groups.set(groupId, {
      topic: kafkaTopic,
      group: groupId.slice(this.namespace.length),
      startAt: new Map(startAt.map((p) => [p.partition, p.offset])),
    });

    const consumer = this.kafka.consumer({
      groupId,
      heartbeatInterval: HEARTBEAT_MS,
      sessionTimeout: SESSION_TIMEOUT_MS,
      // The broker answers a fetch as soon as one byte is there (minBytes 1), so a longer wait adds no
      // latency; it only stops idle subscriptions from polling 20 times a second each (kafkajs decoding
      // those empty answers was most of a service's CPU).
      maxWaitTimeInMs: FETCH_WAIT_MS,
      allowAutoTopicCreation: false,
    });
    const committer = new OffsetCommitter(consumer, kafkaTopic, this.options.commitIntervalMs ?? 1000);
    const matches = compilePattern(pattern);
    const maxAttempts = Math.max(1, options.maxAttempts ?? 3);
    const redelivered = new RedeliveredInProcess();
    const joined = new Promise<void>((resolve) =>
      consumer.on(consumer.events.GROUP_JOIN, () => {
        this.reportSkipped(groupId, redelivered);
        resolve();
      }),
    );
    await consumer.connect();
    await consumer.subscribe({ topic: kafkaTopic, fromBeginning: false });
    const handle = (message: KafkaMessage) => this.deliver(message, family, matches, handler, maxAttempts, redelivered);
    let stopping = false;
    let inFlight: Promise<void> = Promise.resolve();
    const handleAndMark = async (partition: number, message: KafkaMessage) => {
      if (redelivered.skipOffset(partition, message.offset)) return;
      await handle(message);
      redelivered.handledOffset(partition, message.offset);
      committer.handled(partition, message.offset);
    };
    /** Stops taking messages, lets the one in its handler finish, commits, then leaves the group. */
    const stop = async () => {
      stopping = true;
      await inFlight.catch(() => {});
      this.reportSkipped(groupId, redelivered);
      await committer.close();
      await consumer.disconnect();
    };
    this.consumers.set(consumer, stop);
    await consumer.run({
      // kafkajs' own auto-commit awaits an OffsetCommit after every batch before it fetches again; the
      // committer takes that round trip off the delivery path.
      autoCommit: false,
      eachMessage: ({ partition, message }) => {
        // Stopping: left uncommitted, so the group's next member reads it (nothing is lost).
        if (stopping) return Promise.resolve();
        inFlight = handleAndMark(partition, message);
        return inFlight;
      },
    });
    for (const { partition, offset } of startAt) consumer.seek({ topic: kafkaTopic, partition, offset });
    await joined;
    if (startAt.length > 0) await committer.begin(startAt);
    return {
      unsubscribe: async () => {
        this.consumers.delete(consumer);
        this.groups.delete(groupId);
        await stop();
        if (!options.group) await this.admin.deleteGroups([groupId]).catch(() => {});
      },
    };
  }

  /**
   * One message to a subscription's handler: one whose topic the pattern does
   * not match is passed over; one that is not a valid envelope, or whose
   * handler still fails after `maxAttempts`, goes to the dead-letter topic; an
   * event this subscription handled a moment ago (a re-sent publish) is skipped.
   * Rejects only if the dead letter cannot be published.
   */
  private async deliver(
    message: KafkaMessage,
    family: string,
    matches: (topic: string) => boolean,
    handler: EventHandler,
    maxAttempts: number,
    redelivered: RedeliveredInProcess,
  ): Promise<void> {
    const topic = message.headers?.[TOPIC_HEADER]?.toString() ?? family;
    if (!matches(topic)) return;
    const decoded = decodeEnvelope(message.value);
    if (!decoded.ok) {
      if (!topic.startsWith("dlq."))
        await this.publish(deadLetterTopic(topic), deadLetterRaw(topic, decoded.text, decoded.error));
      return;
    }
    if (redelivered.skipEvent(decoded.event.id)) return;
    let lastError: unknown;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      try {
        await handler(decoded.event);
        redelivered.handledEvent(decoded.event.id);
        return;
      } catch (error) {
        lastError = error;
      }
    }
    if (!topic.startsWith("dlq."))
      await this.publish(deadLetterTopic(topic), deadLetter(topic, decoded.event, lastError, maxAttempts));
  }

  /**
   * SubscribeOptions.live on Kafka: the subscription's messages come from the
   * bus's LiveFetcher (one fetch loop for all live subscriptions), from the
   * end of each partition when it subscribed; nothing is committed. Without a
   * group it takes every partition of the topic it has now; with one, the
   * partitions its group gives it. Its messages wait in a bounded queue
   * (liveBacklog, the oldest dropped), and one that can be neither handled nor
   * dead-lettered is dropped: it would never be fetched again anyway.
   */
  private async subscribeLive(
    pattern: string,
    kafkaTopic: string,
    handler: EventHandler,
    options: SubscribeOptions,
  ): Promise<Subscription> {
    const family = topicFamily(pattern);
    const matches = compilePattern(pattern);
    const maxAttempts = Math.max(1, options.maxAttempts ?? 3);
    // Only its window of event ids is used: offsets only move forward here.
    const redelivered = new RedeliveredInProcess();
    this.liveFetcher ??= new LiveFetcher(kafkaFetchClient(this.kafka), {
      maxWaitMs: FETCH_WAIT_MS,
      logger: this.options.logger,
    });
    const fetcher = this.liveFetcher;
    const sink = new LiveQueue(
      kafkaTopic,
      (message) => this.deliver(message, family, matches, handler, maxAttempts, redelivered),
      Math.max(1, this.options.liveBacklog ?? LIVE_BACKLOG),
      this.options.logger,
    );
    const member = options.group
      ? new LiveGroupMember(
          this.kafka,
          `${this.namespace}${options.group}.${pattern.replaceAll("*", "any")}.live`,
          sink,
          fetcher,
          {
            heartbeatMs: LIVE_GROUP_HEARTBEAT_MS,
            sessionTimeoutMs: SESSION_TIMEOUT_MS,
            pollMs: LIVE_GROUP_HEARTBEAT_MS,
            logger: this.options.logger,
          },
        )
      : undefined;
    const stop = async () => {
      if (member) await member.leave();
      else fetcher.drop(sink);
      await sink.stop();
    };
    try {
      if (member) await member.join();
      else await fetcher.take(sink, await fetcher.partitionsOf(kafkaTopic));
    } catch (error) {
      await stop();
      throw error;
    }
    this.live.add(stop);
    return {
      unsubscribe: async () => {
        this.live.delete(stop);
        await stop();
      },
    };
  }

  /** Once per rebalance (and on stop): how many messages this member had already handled it skipped. */
  private reportSkipped(groupId: string, redelivered: RedeliveredInProcess): void {
    const skipped = redelivered.takeSkipped();
    if (skipped > 0)
      this.options.logger?.info("skipped messages handled before (a rebalance's replay, a re-sent publish)", {
        groupId,
        skipped,
      });
  }

  /**
   * A group with no committed offsets starts at the end its topic had before
   * the consumer joined, so an event published while the group forms is not
   * skipped ("latest" would be read at join time). kafkajs' admin.setOffsets
   * joins the group itself (~5 s), so the consumer seeks instead.
   */
  private async endOffsetsIfNewGroup(
    groupId: string,
    topic: string,
  ): Promise<Array<{ partition: number; offset: string }>> {
    const committed = await this.admin.fetchOffsets({ groupId, topics: [topic] });
    if (committed.some((t) => t.partitions.some((p) => p.offset !== "-1"))) return [];
    const ends = await retryRetriable(() => this.admin.fetchTopicOffsets(topic));
    return ends.map((p) => ({ partition: p.partition, offset: p.high }));
  }

  /**
   * How many messages each consumer group of this process is behind on its topic
   * (jts_consumer_lag_messages, alert ConsumerLagHigh): the partitions' end offsets
   * minus the group's committed offsets, or minus where it started before its first
   * commit. Asked of the broker, so a consumer stuck in a handler shows a growing
   * lag instead of its last good value.
   */
  async consumerLag(): Promise<ConsumerLag[]> {
    return Promise.all(
      [...this.groups].map(async ([groupId, { topic, group, startAt }]) => {
        const [committed, ends] = await Promise.all([
          this.admin.fetchOffsets({ groupId, topics: [topic] }),
          this.admin.fetchTopicOffsets(topic),
        ]);
        const at = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
        let lag = 0;
        for (const { partition, high } of ends) {
          const done = at.get(partition);
          const from = done !== undefined && done >= 0 ? done : Number(startAt.get(partition) ?? high);
          lag += Math.max(0, Number(high) - from);
        }
        return { group, topic, lag };
      }),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.live].map((stop) => stop().catch(() => {})));
    this.live.clear();
    await this.liveFetcher?.close();
    await Promise.all([...this.consumers.values()].map((stop) => stop().catch(() => {})));
    this.consumers.clear();
    await this.sender.close();
    await this.admin.disconnect().catch(() => {});
  }
}

/**
 * What one subscription of this process has handled, so a message it gets
 * again is skipped:
 * - the highest offset of each partition: offsets are committed in the
 *   background (OffsetCommitter), so a rebalance or a consumer that rejoins
 *   reads a kept partition again from the last commit, up to one commit
 *   interval of ticks and quotes that a stop book, a candle or a paper fill
 *   must not take twice;
 * - the ids of the most recent events: a publish re-sent after a failed
 *   produce request (CoalescingProducer) may be stored twice, at two offsets.
 *   Its copy follows it within that request's messages (at most 500), so a
 *   window of RECENT_EVENT_IDS covers it.
 * In memory only: after a process restart the handlers' state is gone too,
 * and the redelivery is at-least-once as before (money handlers dedupe by id).
 */
export class RedeliveredInProcess {
  private readonly highest = new Map<number, bigint>();
  private readonly recent = new Set<string>();
  private readonly dropOldestRecent = oldestKeyDropper(this.recent);
  private skipped = 0;

  /** A message at or below the highest offset handled on its partition. */
  skipOffset(partition: number, offset: string): boolean {
    const highest = this.highest.get(partition);
    if (highest === undefined || BigInt(offset) > highest) return false;
    this.skipped++;
    return true;
  }

  /** An event whose id was handled among the most recent ones. */
  skipEvent(id: string): boolean {
    if (!this.recent.has(id)) return false;
    this.skipped++;
    return true;
  }

  handledEvent(id: string): void {
    this.recent.add(id);
    if (this.recent.size > RECENT_EVENT_IDS) this.dropOldestRecent();
  }

  handledOffset(partition: number, offset: string): void {
    const at = BigInt(offset);
    if (at > (this.highest.get(partition) ?? -1n)) this.highest.set(partition, at);
  }

  /** How many were skipped since the last call. */
  takeSkipped(): number {
    const skipped = this.skipped;
    this.skipped = 0;
    return skipped;
  }
}

/** Four produce requests' worth (CoalescingProducer sends at most 500 messages a request). */
const RECENT_EVENT_IDS = 2000;
