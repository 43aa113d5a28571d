import type { BusLane, Envelope, EventHandler, EventTransport, SubscribeOptions, Subscription } from "@jts/contracts";
import { deadLetter, deadLetterTopic } from "./dead-letter.ts";
import { compilePattern, hashKey } from "./pattern.ts";

interface Subscriber {
  matches: (topic: string) => boolean;
  handler: EventHandler;
  group: string | undefined;
  maxAttempts: number;
  lane: BusLane;
  queue: Array<{ topic: string; event: Envelope }>;
  draining: boolean;
  active: boolean;
}

/** A topic's subscribers without a group (each gets every event), then each group's members (one gets it). */
interface Route {
  solo: Subscriber[];
  groups: Subscriber[][];
}

function routeOf(matched: Subscriber[]): Route {
  const solo: Subscriber[] = [];
  const groups = new Map<string, Subscriber[]>();
  for (const sub of matched) {
    if (sub.group === undefined) solo.push(sub);
    else {
      const members = groups.get(sub.group);
      if (members) members.push(sub);
      else groups.set(sub.group, [sub]);
    }
  }
  return { solo, groups: [...groups.values()] };
}

/**
 * In-process event bus for `just dev` and unit tests. Each subscriber has its
 * own ordered queue, so a slow handler delays only itself. Groups share
 * events by key hash, like Kafka partitions: one key stays on one member.
 * Not durable: events published before a subscription are not replayed.
 *
 * Two lanes. An "order-path" subscriber's queue drains in a microtask, so a
 * tick reaches the strategy, and its order risk, the OMS and the broker,
 * before the event loop turns. A "background" subscriber's events wait in one
 * backlog that the next setImmediate releases, in publish order, into the
 * subscribers' own queues: background work runs after that chain, on every
 * turn of the loop (never starved), and sees events in the order it always
 * did, within one subscriber and across the background ones.
 */
export class MemoryEventBus implements EventTransport {
  private subscribers: Subscriber[] = [];
  /** Who gets each topic seen, so a publish neither tests every pattern nor sorts groups; reset on (un)subscribe. */
  private readonly matching = new Map<string, Route>();
  private closed = false;
  /** Background deliveries waiting for the next turn of the event loop, in publish order. */
  private backlog: Array<{ sub: Subscriber; topic: string; event: Envelope }> = [];

  async publish(topic: string, event: Envelope): Promise<void> {
    if (this.closed) throw new Error("event bus is closed");
    let route = this.matching.get(topic);
    if (!route) {
      route = routeOf(this.subscribers.filter((sub) => sub.active && sub.matches(topic)));
      this.matching.set(topic, route);
    }
    for (const sub of route.solo) this.enqueue(sub, topic, event);
    for (const members of route.groups) {
      const member = members.length === 1 ? members[0] : members[hashKey(event.key) % members.length];
      this.enqueue(member as Subscriber, topic, event);
    }
  }

  async subscribe<Payload = unknown>(
    pattern: string,
    onEvent: EventHandler<Payload>,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    const handler = onEvent as EventHandler; // the transport moves envelopes; the typed EventBus names the payload
    const sub: Subscriber = {
      matches: compilePattern(pattern),
      handler,
      group: options.group,
      maxAttempts: Math.max(1, options.maxAttempts ?? 3),
      lane: options.lane ?? "order-path",
      queue: [],
      draining: false,
      active: true,
    };
    this.subscribers.push(sub);
    this.matching.clear();
    return {
      unsubscribe: async () => {
        sub.active = false;
        sub.queue.length = 0;
        this.subscribers = this.subscribers.filter((s) => s !== sub);
        this.matching.clear();
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const sub of this.subscribers) sub.active = false;
    this.subscribers = [];
    this.matching.clear();
    this.backlog = [];
  }

  private enqueue(sub: Subscriber, topic: string, event: Envelope) {
    if (sub.lane === "background") {
      if (this.backlog.length === 0) setImmediate(this.release);
      this.backlog.push({ sub, topic, event });
      return;
    }
    sub.queue.push({ topic, event });
    if (!sub.draining) {
      sub.draining = true;
      queueMicrotask(() => this.drain(sub));
    }
  }

  /**
   * Runs the backlog in publish order: an idle subscriber's handler starts at
   * once (a synchronous one finishes before the next entry), a busy one's
   * queue takes the event. So background subscribers see events interleaved
   * across topics as they were published, as the order path does.
   */
  private readonly release = () => {
    const released = this.backlog;
    this.backlog = [];
    for (const { sub, topic, event } of released) {
      if (!sub.active) continue;
      sub.queue.push({ topic, event });
      if (!sub.draining) {
        sub.draining = true;
        void this.drain(sub);
      }
    }
  };

  private async drain(sub: Subscriber) {
    while (sub.active && sub.queue.length > 0) {
      const { topic, event } = sub.queue.shift() as { topic: string; event: Envelope };
      // First attempt inline: a handler that finishes synchronously (most tick consumers) costs no
      // extra promise or microtask turn; only a returned promise is awaited.
      try {
        const result = sub.handler(event);
        if (result !== undefined && typeof (result as Promise<void>).then === "function") await result;
      } catch (error) {
        await this.retry(sub, topic, event, error);
      }
    }
    sub.draining = false;
  }

  /** Attempts 2..maxAttempts after a failed first one, then the dead-letter topic. */
  private async retry(sub: Subscriber, topic: string, event: Envelope, firstError: unknown) {
    let lastError = firstError;
    for (let attempt = 2; attempt <= sub.maxAttempts; attempt++) {
      try {
        await sub.handler(event);
        return;
      } catch (error) {
        lastError = error;
      }
    }
    if (topic.startsWith("dlq.")) return; // a failing dead-letter consumer must not loop
    // Closed while the handler ran (shutdown): no subscriber is left to take the dead letter, and
    // publishing it would throw out of a drain nobody awaits, an unhandled rejection that ends the process.
    if (this.closed) return;
    await this.publish(deadLetterTopic(topic), deadLetter(topic, event, lastError, sub.maxAttempts));
  }
}
