import type { Envelope, EventHandler, EventTransport, SubscribeOptions, Subscription } from "@jts/contracts";
import {
  AckPolicy,
  type ConsumerMessages,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type Msg,
  type NatsConnection,
  nanos,
  RetentionPolicy,
  StorageType,
} from "nats";
import { decodeEnvelope, encodeEnvelope } from "../events/codec.ts";
import { deadLetter, deadLetterRaw, deadLetterTopic } from "../events/dead-letter.ts";
import { createLogger, type Logger } from "../log.ts";

export interface JetStreamBusOptions {
  /** Stream that holds every JTS topic. */
  stream?: string;
  /** Subject prefix: topic `order.fill` is subject `<prefix>.order.fill`. */
  prefix?: string;
  /** How long events are kept. */
  maxAgeMs?: number;
  ownsConnection?: boolean;
  /**
   * Most messages a live subscription holds while its handler is busy; past it
   * the oldest go (a live price that old is stale). nats.js itself queues
   * without limit, so a flood or a stuck handler would otherwise grow memory.
   */
  liveBacklog?: number;
  /**
   * A durable message neither handled nor dead-lettered (its dead letter too
   * large to publish, or JetStream unreachable) is asked for again after this
   * pause (1000 ms), UNDELIVERABLE_TRIES times in all, then given up (term)
   * and logged: the consumer goes on with the next message meanwhile.
   */
  undeliverableRetryMs?: number;
  logger?: Logger;
}

const LIVE_BACKLOG = 10_000;
const UNDELIVERABLE_TRIES = 5;

/**
 * The events port on NATS JetStream. One file-backed stream holds every
 * topic; publishing sets the event id as `Nats-Msg-Id`, so a retried publish
 * inside the duplicate window is stored once. A group is a durable consumer
 * (members share its messages and it survives restarts); a subscriber without
 * a group gets an ephemeral consumer. Handlers run one message at a time in
 * stream order and are retried in place; after `maxAttempts` the message goes
 * to `dlq.<topic>` and is acked, so a poison message never stops a consumer.
 * A process that dies before acking gets the message redelivered. A `live`
 * subscription (market data acted on at its current price) is a core NATS
 * subscription on the same subject instead: no consumer, no ack, no replay.
 * Publishes keep call order without being awaited one by one: nats.js writes
 * each to this connection before its first await and does not retry it, and
 * the server stores one connection's messages in the order they arrive (the
 * order path relies on it: services/kit/README.md, "Event transports on the
 * order path").
 */
export class JetStreamEventBus implements EventTransport {
  private readonly stream: string;
  private readonly prefix: string;
  private readonly consumers = new Set<ConsumerMessages>();
  /** Stops each live subscription (unsubscribes and ends its loop). */
  private readonly live = new Set<() => void>();
  private closed = false;
  private readonly logger: Logger;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly options: JetStreamBusOptions,
  ) {
    this.stream = options.stream ?? "JTS";
    this.prefix = options.prefix ?? "jts";
    this.logger = options.logger ?? createLogger({ component: "jetstream-bus" }, "warn");
  }

  static async create(nc: NatsConnection, options: JetStreamBusOptions = {}): Promise<JetStreamEventBus> {
    const jsm = await nc.jetstreamManager();
    const bus = new JetStreamEventBus(nc, nc.jetstream(), jsm, options);
    await bus.ensureStream();
    return bus;
  }

  private async ensureStream() {
    const config = {
      name: this.stream,
      subjects: [`${this.prefix}.>`],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: nanos(this.options.maxAgeMs ?? 7 * 24 * 3600 * 1000),
      duplicate_window: nanos(120_000),
    };
    try {
      await this.jsm.streams.info(this.stream);
      await this.jsm.streams.update(this.stream, config);
    } catch {
      await this.jsm.streams.add(config);
    }
  }

  async publish(topic: string, event: Envelope): Promise<void> {
    if (this.closed) throw new Error("event bus is closed");
    await this.js.publish(`${this.prefix}.${topic}`, encodeEnvelope(event), { msgID: event.id });
  }

  async subscribe<Payload = unknown>(
    pattern: string,
    onEvent: EventHandler<Payload>,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    const handler = onEvent as EventHandler; // the transport moves envelopes; the typed EventBus names the payload
    const filter = `${this.prefix}.${pattern}`;
    const maxAttempts = Math.max(1, options.maxAttempts ?? 3);
    if (options.live) return this.subscribeLive(filter, handler, options.group, maxAttempts);
    const base = {
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.New,
      filter_subject: filter,
      ack_wait: nanos(30_000),
    };
    let name: string;
    if (options.group) {
      // Durable names cannot hold dots; one consumer per (group, pattern).
      name = `${options.group}__${pattern}`.replace(/[.*>\s]/g, "_");
      try {
        await this.jsm.consumers.info(this.stream, name);
      } catch {
        await this.jsm.consumers.add(this.stream, { ...base, durable_name: name });
      }
    } else {
      name = (await this.jsm.consumers.add(this.stream, { ...base, inactive_threshold: nanos(60_000) })).name;
    }
    const consumer = await this.js.consumers.get(this.stream, name);
    const messages = await consumer.consume({ max_messages: 256 });
    this.consumers.add(messages);
    const loop = (async () => {
      for await (const msg of messages) {
        try {
          await this.deliver(msg.subject, msg.data, handler, maxAttempts);
          msg.ack();
        } catch (error) {
          // Before, this ended the loop (an unhandled rejection) and the consumer took nothing more.
          this.undeliverable(msg, error);
        }
      }
    })();
    return {
      unsubscribe: async () => {
        messages.stop();
        this.consumers.delete(messages);
        await loop.catch(() => {});
        if (!options.group) await this.jsm.consumers.delete(this.stream, name).catch(() => {});
      },
    };
  }

  /**
   * SubscribeOptions.live: a core NATS subscription on the subject the stream
   * records (a JetStream publish reaches core subscribers too), in publish
   * order on this connection; a queue group shares events between a group's
   * members as the durable consumer does. No consumer on the server, no ack.
   * Messages wait in a bounded backlog (liveBacklog, the oldest dropped and
   * the drops logged), and
   * one that can be neither handled nor dead-lettered is dropped: a live
   * message is never redelivered, so nothing is gained by stopping the loop.
   */
  private subscribeLive(
    filter: string,
    handler: EventHandler,
    group: string | undefined,
    maxAttempts: number,
  ): Subscription {
    const limit = Math.max(1, this.options.liveBacklog ?? LIVE_BACKLOG);
    const backlog: Msg[] = [];
    let dropped = 0;
    let wake: (() => void) | undefined;
    let stopped = false;
    const subscription = this.nc.subscribe(filter, {
      ...(group ? { queue: group } : {}),
      callback: (error, msg) => {
        if (error || stopped) return;
        if (backlog.push(msg) > limit) {
          backlog.shift();
          // Said, not silent: once at the first drop and once a backlog's worth after (the Kafka bus's LiveQueue too).
          if (dropped++ % limit === 0)
            this.logger.warn("live subscription behind: oldest messages dropped", { subject: filter, dropped });
        }
        wake?.();
      },
    });
    const loop = (async () => {
      while (!stopped) {
        const msg = backlog.shift();
        if (msg) await this.deliver(msg.subject, msg.data, handler, maxAttempts).catch(() => {});
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    })();
    const stop = () => {
      stopped = true;
      subscription.unsubscribe();
      backlog.length = 0;
      wake?.();
    };
    this.live.add(stop);
    return {
      unsubscribe: async () => {
        stop();
        this.live.delete(stop);
        await loop;
      },
    };
  }

  /** A durable message that could not be dead-lettered: redelivered after a pause a few times, then given up loudly. */
  private undeliverable(msg: JsMsg, error: unknown): void {
    const deliveries = msg.info.redeliveryCount;
    const context = { subject: msg.subject, deliveries, error: (error as Error).message ?? String(error) };
    if (deliveries >= UNDELIVERABLE_TRIES) {
      this.logger.error("event neither handled nor dead-lettered: given up", context);
      msg.term();
      return;
    }
    this.logger.warn("event neither handled nor dead-lettered: asked again later", context);
    msg.nak(this.options.undeliverableRetryMs ?? 1000);
  }

  /** One message to its handler: tried up to maxAttempts, then (or when it cannot be decoded) dead-lettered. */
  private async deliver(subject: string, data: Uint8Array, handler: EventHandler, maxAttempts: number): Promise<void> {
    const topic = subject.slice(this.prefix.length + 1);
    const decoded = decodeEnvelope(data);
    if (!decoded.ok) {
      await this.publish(deadLetterTopic(topic), deadLetterRaw(topic, decoded.text, decoded.error));
      return;
    }
    const event = decoded.event;
    let lastError: unknown;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      try {
        await handler(event);
        return;
      } catch (error) {
        lastError = error;
      }
    }
    if (!topic.startsWith("dlq."))
      await this.publish(deadLetterTopic(topic), deadLetter(topic, event, lastError, maxAttempts));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const messages of this.consumers) messages.stop();
    this.consumers.clear();
    for (const stop of this.live) stop();
    this.live.clear();
    if (this.options.ownsConnection !== false && !this.nc.isClosed()) await this.nc.drain();
  }
}
