import { afterAll, beforeAll, beforeEach, describe, expect, it } from "bun:test";
import type { Envelope, EventBus } from "@jts/contracts";
import { envelope } from "../events/envelope.ts";
import { MemoryEventBus } from "../events/memory.ts";
import { createLogger } from "../log.ts";

import { eventually } from "../testing/eventually.ts";
import { silentLogger } from "../testing/logger.ts";
import { enqueueOutbox, OutboxRelay, type OutboxRelayOptions } from "./outbox.ts";
import { startTestPostgres, type TestPostgres, truncateAll } from "./testing.ts";

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startTestPostgres();
});
afterAll(async () => {
  await pg.stop();
});

const event = (n: number, key = "acc") => envelope("Test", "test", key, { n });

/** A bus that records what it publishes and can be told to fail. */
class RecordingBus extends MemoryEventBus implements EventBus {
  readonly seen: Array<{ topic: string; n: number; id: string }> = [];
  failing = 0;
  override async publish(topic: string, e: Envelope): Promise<void> {
    if (this.failing > 0) {
      this.failing--;
      throw new Error("broker unavailable");
    }
    this.seen.push({ topic, n: (e.payload as { n: number }).n, id: e.id });
    await super.publish(topic, e);
  }
}

describe("outbox relay", () => {
  let bus: RecordingBus;
  const relays: OutboxRelay[] = [];
  const relay = (options: OutboxRelayOptions = {}) => {
    const r = new OutboxRelay(pg.sql, bus, { logger: silentLogger, ...options });
    relays.push(r);
    return r;
  };

  beforeEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.stop()));
    await truncateAll(pg.sql);
    bus = new RecordingBus();
  });

  it("publishes committed events in the order they were written and marks them published", async () => {
    const events = [event(1), event(2), event(3)];
    await pg.sql.begin((tx) =>
      enqueueOutbox(
        tx,
        events.map((e) => ({ topic: "t.a", event: e })),
      ),
    );
    await pg.sql.begin((tx) => enqueueOutbox(tx, [{ topic: "t.b", event: event(4) }]));
    expect(await relay().flush()).toBe(4);
    expect(bus.seen.map((s) => [s.topic, s.n])).toEqual([
      ["t.a", 1],
      ["t.a", 2],
      ["t.a", 3],
      ["t.b", 4],
    ]);
    expect(bus.seen[0]?.id).toBe(events[0]?.id as string);
    const rows = await pg.sql`SELECT attempts, published_at IS NOT NULL AS published FROM outbox ORDER BY id`;
    expect(rows.every((r) => r.published && r.attempts === 1)).toBe(true);
    expect(await relay().flush()).toBe(0);
  });

  it("keeps an envelope intact through the JSONB column", async () => {
    const original = envelope("Order", "order-execution", "acc", {
      price: "71000.5",
      filled: "0.000000001",
      none: null,
    });
    await enqueueOutbox(pg.sql, [{ topic: "order.updated", event: original }]);
    const received: Envelope[] = [];
    await bus.subscribe("order.updated", (e) => void received.push(e));
    await relay().flush();
    await eventually(() => expect(received).toEqual([original]));
  });

  it("never publishes the events of a rolled-back transaction", async () => {
    await pg.sql
      .begin(async (tx) => {
        await enqueueOutbox(tx, [{ topic: "t", event: event(1) }]);
        throw new Error("state change failed");
      })
      .catch(() => undefined);
    expect(await relay().flush()).toBe(0);
    expect(bus.seen).toEqual([]);
  });

  it("retries a failed publish without letting later events overtake it", async () => {
    await enqueueOutbox(
      pg.sql,
      [1, 2, 3].map((n) => ({ topic: "t", event: event(n) })),
    );
    bus.failing = 1;
    const r = relay();
    expect(await r.flush()).toBe(0);
    expect(bus.seen).toEqual([]);
    const [head] = await pg.sql`SELECT attempts, last_error FROM outbox ORDER BY id LIMIT 1`;
    expect(head).toEqual({ attempts: 1, last_error: "broker unavailable" });
    expect(await r.flush()).toBe(3);
    expect(bus.seen.map((s) => s.n)).toEqual([1, 2, 3]);
  });

  it("is woken by written() after a commit instead of waiting for its poll", async () => {
    const r = relay({ pollIntervalMs: 60_000, listen: false });
    await r.start();
    await Bun.sleep(50); // the first, empty pass
    const started = performance.now();
    await pg.sql.begin((tx) => enqueueOutbox(tx, [{ topic: "t", event: event(1) }]));
    r.written();
    await eventually(() => expect(bus.seen).toHaveLength(1), 2000, 2);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("is woken by the NOTIFY of a writer in a process without a relay of its own", async () => {
    const r = relay({ pollIntervalMs: 60_000 });
    await r.start();
    await Bun.sleep(50);
    const elsewhere = new OutboxRelay(pg.sql, bus, { logger: silentLogger }); // not started: it notifies
    const started = performance.now();
    await pg.sql.begin((tx) => enqueueOutbox(tx, [{ topic: "t", event: event(1) }]));
    elsewhere.written();
    await eventually(() => expect(bus.seen).toHaveLength(1), 2000, 2);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("wakes the other relays by NOTIFY while its own is backing off after a failed publish", async () => {
    const healthy = relay({ pollIntervalMs: 60_000 });
    await healthy.start();
    await Bun.sleep(50); // its first, empty pass
    const broken = new RecordingBus();
    broken.failing = Number.POSITIVE_INFINITY;
    const backingOff = new OutboxRelay(pg.sql, broken, {
      logger: silentLogger,
      pollIntervalMs: 60_000,
      retryDelayMs: 60_000,
      listen: false,
    });
    relays.push(backingOff);
    await backingOff.start();
    await Bun.sleep(50);
    await enqueueOutbox(pg.sql, [{ topic: "t", event: event(1) }]);
    backingOff.written(); // its pass fails: it backs off for a minute
    await eventually(async () => expect((await pg.sql`SELECT attempts FROM outbox`)[0]?.attempts).toBe(1));
    await enqueueOutbox(pg.sql, [{ topic: "t", event: event(2) }]);
    backingOff.written();
    await eventually(() => expect(bus.seen.map((s) => s.n)).toEqual([1, 2]), 2000, 2);
  });

  it("backs off while another session holds the lock for long, warns once, and publishes once it is free", async () => {
    let passes = 0;
    const counted = new Proxy(pg.sql, {
      get(target, key, receiver) {
        if (key !== "begin") return Reflect.get(target, key, receiver);
        return (...args: Parameters<typeof target.begin>) => {
          passes++;
          return target.begin(...args);
        };
      },
    });
    const warnings: string[] = [];
    const logger = createLogger({}, "warn", (line) => warnings.push(JSON.parse(line).msg));
    const r = new OutboxRelay(counted, bus, {
      logger,
      listen: false,
      pollIntervalMs: 200,
      lockBusyRetryMs: 10,
      lockBusyWarnMs: 300,
    });
    relays.push(r);
    await enqueueOutbox(pg.sql, [{ topic: "t", event: event(1) }]);
    const holding = pg.sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(hashtextextended('jts.outbox_relay', 0))`;
      await r.start();
      await Bun.sleep(800);
      expect(bus.seen).toEqual([]);
    });
    await holding;
    // 10, 20, 40, 80, 160, then 200 ms: about eight passes in 800 ms, not eighty.
    expect(passes).toBeLessThan(15);
    expect(warnings.filter((w) => w.includes("lock held by another session"))).toHaveLength(1);
    await eventually(() => expect(bus.seen.map((s) => s.n)).toEqual([1]), 2000, 5);
  });

  it("does not notify from inside the writing transaction (migration 019)", async () => {
    const [row] = await pg.sql`SELECT count(*)::int AS n FROM pg_trigger WHERE tgname = 'outbox_notify'`;
    expect(row?.n).toBe(0);
  });

  it("soon publishes a row another relay's pass missed while it held the lock", async () => {
    const r = relay({ pollIntervalMs: 60_000, listen: false, lockBusyRetryMs: 10 });
    await r.start();
    await Bun.sleep(50);
    // Another relay's pass holds the lock while this process commits a row and wakes its relay.
    const held = pg.sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(hashtextextended('jts.outbox_relay', 0))`;
      await enqueueOutbox(pg.sql, [{ topic: "t", event: event(1) }]);
      r.written();
      await Bun.sleep(100);
      expect(bus.seen).toEqual([]);
    });
    await held;
    const released = performance.now();
    await eventually(() => expect(bus.seen.map((s) => s.n)).toEqual([1]), 2000, 2);
    expect(performance.now() - released).toBeLessThan(1000);
  });

  it("still delivers by polling when LISTEN is off", async () => {
    const r = relay({ listen: false, pollIntervalMs: 20 });
    await r.start();
    await enqueueOutbox(pg.sql, [{ topic: "t", event: event(1) }]);
    await eventually(() => expect(bus.seen).toHaveLength(1));
  });

  it("keeps going after a failure and delivers once the bus is back", async () => {
    const r = relay({ pollIntervalMs: 20, retryDelayMs: 20 });
    bus.failing = 2;
    await r.start();
    await enqueueOutbox(pg.sql, [{ topic: "t", event: event(1) }]);
    await eventually(() => expect(bus.seen.map((s) => s.n)).toEqual([1]));
  });

  it("finishes the batch in flight when stopped", async () => {
    await enqueueOutbox(
      pg.sql,
      [1, 2, 3, 4, 5].map((n) => ({ topic: "t", event: event(n) })),
    );
    const slow = new RecordingBus();
    const publish = slow.publish.bind(slow);
    slow.publish = async (topic, e) => {
      await Bun.sleep(20);
      await publish(topic, e);
    };
    const r = new OutboxRelay(pg.sql, slow, { logger: silentLogger, batchSize: 5 });
    await r.start();
    await eventually(() => expect(slow.seen.length).toBeGreaterThan(0), 2000, 1);
    await r.stop();
    expect(slow.seen.map((s) => s.n)).toEqual([1, 2, 3, 4, 5]);
    expect(await r.backlog()).toBe(0);
  });

  it("publishes each event once and in order when two relays share the database", async () => {
    const a = relay({ pollIntervalMs: 5, batchSize: 7 });
    const b = relay({ pollIntervalMs: 5, batchSize: 7 });
    await Promise.all([a.start(), b.start()]);
    for (let i = 0; i < 10; i++) {
      await enqueueOutbox(
        pg.sql,
        Array.from({ length: 10 }, (_, j) => ({ topic: "t", event: event(i * 10 + j) })),
      );
    }
    await eventually(() => expect(bus.seen).toHaveLength(100));
    await Bun.sleep(50);
    expect(bus.seen.map((s) => s.n)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
