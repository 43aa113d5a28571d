import { CompressionTypes, type Consumer, type Message, type Producer } from "kafkajs";

/** A request this large leaves at once; the rest waits for the next (Kafka's own request limits stay far away). */
const MAX_MESSAGES_PER_SEND = 500;

interface Queued {
  topic: string;
  message: Message;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Coalesced writes for an idempotent producer that allows one request in
 * flight. kafkajs sends one request per `send()` and queues the next behind
 * it, so N publishes cost N broker round trips one after another (~2 ms each
 * here: a 200 msg/s feed saturated it). Here the publishes of one turn of the
 * event loop, and those made while a request is in flight, leave together in
 * the next request, in call order. Nothing lingers: an idle producer sends at
 * once. Every promise resolves only when its request is acknowledged by all
 * in-sync replicas (acks=-1, the idempotent producer's).
 *
 * A failed request spoils its producer: kafkajs rolls back the idempotent
 * sequence numbers of every partition in it, also of those the broker stored,
 * so the next message to such a partition would be dropped by the broker as a
 * duplicate while its promise resolves (a silent loss), or fail with
 * OUT_OF_ORDER_SEQUENCE_NUMBER from then on. So after any failed request the
 * next one goes on a new producer (new producer id, sequences from 0), and the
 * failed request's messages are sent again ahead of the queue, one per
 * request, so a message the broker refuses (too large, invalid) rejects only
 * its own publish. One that fails for another reason (broker unreachable,
 * retries exhausted) rejects the rest of its request too, as before, rather
 * than wait out kafkajs' retries once per message. A message the broker had
 * stored before the failure is stored again: at-least-once, consumers dedupe
 * by event id.
 */
export class CoalescingProducer {
  private queue: Queued[] = [];
  private flushing: Promise<void> | null = null;
  private producer: Producer | null = null;
  /** A request on the current producer failed: its sequence numbers cannot be trusted. */
  private spoiled = false;

  constructor(private readonly createProducer: () => Producer) {}

  async connect(): Promise<void> {
    this.producer = await this.connected();
  }

  send(topic: string, message: Message): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ topic, message, resolve, reject });
      // A microtask, not a timer: the rest of this turn's publishes join without any added wait.
      if (!this.flushing) this.flushing = Promise.resolve().then(() => this.flush());
    });
  }

  /** Resolves once everything queued so far has been sent (or failed). */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  /** Sends what is queued, then disconnects. */
  async close(): Promise<void> {
    await this.drain();
    await this.producer?.disconnect().catch(() => {});
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_MESSAGES_PER_SEND);
      try {
        await this.request(batch);
        for (const queued of batch) queued.resolve();
      } catch (error) {
        if (batch.length === 1) batch[0]?.reject(error);
        else await this.sendOneByOne(batch);
      }
    }
    this.flushing = null;
  }

  /** The messages of a failed request, again, each alone, so each gets its own outcome. */
  private async sendOneByOne(batch: Queued[]): Promise<void> {
    for (const [index, queued] of batch.entries()) {
      try {
        await this.request([queued]);
        queued.resolve();
      } catch (error) {
        queued.reject(error);
        if (!refusedByBroker(error)) {
          for (const rest of batch.slice(index + 1)) rest.reject(error);
          return;
        }
      }
    }
  }

  private async request(batch: Queued[]): Promise<void> {
    if (this.spoiled || !this.producer) {
      await this.producer?.disconnect().catch(() => {});
      this.producer = await this.connected();
      this.spoiled = false;
    }
    const byTopic = new Map<string, Message[]>();
    for (const { topic, message } of batch) {
      const messages = byTopic.get(topic);
      if (messages) messages.push(message);
      else byTopic.set(topic, [message]);
    }
    try {
      await this.producer.sendBatch({
        compression: CompressionTypes.LZ4,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
    } catch (error) {
      this.spoiled = true;
      throw error;
    }
  }

  private async connected(): Promise<Producer> {
    const producer = this.createProducer();
    try {
      await producer.connect();
      return producer;
    } catch (error) {
      await producer.disconnect().catch(() => {});
      throw error;
    }
  }
}

/** The broker answered that it will not take this message (too large, invalid, not allowed): retrying cannot help. */
function refusedByBroker(error: unknown): boolean {
  const { name, retriable } = error as { name?: string; retriable?: boolean };
  return name === "KafkaJSProtocolError" && retriable === false;
}

/**
 * Commits a consumer's handled offsets in the background. kafkajs' auto-commit
 * sends an OffsetCommit after every batch and awaits it before the next fetch:
 * a broker round trip on every delivery. A commit decides nothing about the
 * message already handled; it only bounds what a crash redelivers. So handled
 * offsets are committed at most every `intervalMs` (0: after every message, as
 * before), and at once on close. Delivery stays at-least-once: a message is
 * committed only after its handler finished.
 */
export class OffsetCommitter {
  /** partition -> the next offset to read (the last handled + 1), not committed yet. */
  private readonly pending = new Map<number, string>();
  /** Partitions this member has handled a message of: their offsets only move forward. */
  private readonly seen = new Set<number>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private committing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly consumer: Consumer,
    private readonly topic: string,
    private readonly intervalMs: number,
  ) {}

  /**
   * A new group's starting offsets, committed at once: a member that crashes
   * before its first interval leaves a group that resumes from here, not one
   * with no offsets (which would start at the topic's end and skip what came
   * while it was down). A partition already handled keeps its newer offset.
   */
  begin(partitions: Array<{ partition: number; offset: string }>): Promise<void> {
    for (const { partition, offset } of partitions) if (!this.seen.has(partition)) this.pending.set(partition, offset);
    return this.commit();
  }

  handled(partition: number, offset: string): void {
    this.seen.add(partition);
    this.pending.set(partition, (BigInt(offset) + 1n).toString());
    if (this.intervalMs <= 0) {
      void this.commit();
      return;
    }
    this.schedule();
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = null;
      void this.commit();
    }, this.intervalMs);
  }

  /** Commits what is pending now; the consumer must still be in its group. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.commit();
  }

  /** One commit at a time, so an older offset never lands after a newer one. */
  private commit(): Promise<void> {
    this.committing = this.committing.then(async () => {
      if (this.pending.size === 0) return;
      const partitions = [...this.pending].map(([partition, offset]) => ({ topic: this.topic, partition, offset }));
      this.pending.clear();
      try {
        await this.consumer.commitOffsets(partitions);
      } catch {
        // A rebalance or a broker hiccup: try again with the next commit unless a newer offset came meanwhile.
        // If this member no longer owns the partition, its new owner reads from the last commit (a redelivery).
        for (const { partition, offset } of partitions)
          if (!this.pending.has(partition)) this.pending.set(partition, offset);
        // A quiet topic brings no next message to schedule that commit: re-arm here, or the offset would
        // stay uncommitted (and be redelivered after a crash) until traffic resumes. Not after close: the
        // consumer is leaving, and its caller retries by calling close again.
        if (!this.closed && this.intervalMs > 0) this.schedule();
      }
    });
    return this.committing;
  }
}
