import type { Envelope, EventBus } from "@jts/contracts";
import { forward } from "../events/forward.ts";
import { createLogger, type Logger } from "../log.ts";
import { commitAsynchronously } from "./async-commit.ts";
import type { Queryable, Sql } from "./connect.ts";

export interface OutboxMessage {
  topic: string;
  event: Envelope;
}

/** The channel the outbox trigger (migration 004) notifies on commit. */
export const OUTBOX_CHANNEL = "jts_outbox";
const RELAY_LOCK = "jts.outbox_relay";

/**
 * Writes events to the outbox. Call it with the transaction of the state
 * change the events describe: they commit, or vanish, together with it.
 * Rows get ids in the order given.
 */
export async function enqueueOutbox(tx: Queryable, messages: readonly OutboxMessage[]): Promise<void> {
  if (messages.length === 0) return;
  const rows = messages.map(({ topic, event }) => ({ topic, key: event.key, envelope: event }));
  await tx`INSERT INTO outbox ${tx(rows as never, "topic", "key", "envelope")}`;
}

export interface OutboxRelayOptions {
  /** Rows per transaction. Default 100. */
  batchSize?: number;
  /** Poll period when no notification arrives. Default 500 ms. */
  pollIntervalMs?: number;
  /** Wait after a failed publish before retrying (notifications do not cut it short). Default 1000 ms. */
  retryDelayMs?: number;
  /** Wake on LISTEN/NOTIFY for low latency. Default true. */
  listen?: boolean;
  logger?: Logger;
}

interface Batch {
  published: number;
  failed: boolean;
}

/**
 * Publishes committed outbox rows to the event bus in id order, at least once:
 * a crash between publish and commit publishes again, so consumers dedupe by
 * event id (processed.ts). Each batch is one transaction that takes
 * `FOR UPDATE SKIP LOCKED` rows under a try-advisory-lock, so with several
 * relays on one database exactly one publishes at a time and per-key order
 * holds. Ids come from a sequence, so two transactions can commit out of id
 * order; events of one order stay ordered because their writers lock the
 * order's row. A publish that fails stops the batch (nothing overtakes it)
 * and is retried after `retryDelayMs`.
 */
export class OutboxRelay {
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly retryDelayMs: number;
  private readonly logger: Logger;
  private running = false;
  private loop: Promise<void> | undefined;
  private listener: { unlisten(): Promise<void> } | undefined;
  /** Ends the current sleep; `notified` is remembered while a batch runs. */
  private wake: (() => void) | undefined;
  private wakeOnNotify = true;
  private notified = false;

  constructor(
    private readonly sql: Sql,
    private readonly bus: EventBus,
    private readonly options: OutboxRelayOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 100;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.retryDelayMs = options.retryDelayMs ?? 1000;
    this.logger = options.logger ?? createLogger({ component: "outbox-relay" }, "warn");
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    if (this.options.listen ?? true) {
      try {
        this.listener = await this.sql.listen(OUTBOX_CHANNEL, () => this.onNotify());
      } catch (error) {
        this.logger.warn("outbox LISTEN failed; polling only", { error });
      }
    }
    this.loop = this.run();
  }

  /** Stops after the batch in flight has been published and committed. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
    await this.listener?.unlisten().catch(() => undefined);
    this.listener = undefined;
  }

  /** Publishes one batch and returns how many events went out. */
  async relayOnce(): Promise<number> {
    return (await this.relayBatch()).published;
  }

  /** Publishes until no full batch is left (tests, maintenance). */
  async flush(): Promise<number> {
    let total = 0;
    for (;;) {
      const { published, failed } = await this.relayBatch();
      total += published;
      if (failed || published < this.batchSize) return total;
    }
  }

  /** Unpublished rows: the relay's lag, for metrics. */
  async backlog(): Promise<number> {
    const [row] = await this.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`;
    return row?.n ?? 0;
  }

  private async run() {
    while (this.running) {
      let delay = this.pollIntervalMs;
      try {
        const { published, failed } = await this.relayBatch();
        if (failed) delay = this.retryDelayMs;
        else if (published === this.batchSize) continue; // more is waiting
      } catch (error) {
        this.logger.error("outbox relay batch failed", { error });
        delay = this.retryDelayMs;
      }
      await this.sleep(delay, delay === this.pollIntervalMs);
    }
  }

  private sleep(ms: number, wakeOnNotify: boolean): Promise<void> {
    if (!this.running) return Promise.resolve();
    if (wakeOnNotify && this.notified) {
      this.notified = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        this.notified = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
      this.wakeOnNotify = wakeOnNotify;
    });
  }

  private onNotify() {
    if (this.wake && this.wakeOnNotify) this.wake();
    else this.notified = true;
  }

  private relayBatch(): Promise<Batch> {
    return this.sql.begin(async (tx): Promise<Batch> => {
      const [lock] = await tx<
        { ok: boolean }[]
      >`SELECT pg_try_advisory_xact_lock(hashtextextended(${RELAY_LOCK}, 0)) AS ok`;
      if (!lock?.ok) return { published: 0, failed: false };
      // Losing a "published" mark in a crash only means publishing again, which
      // at-least-once allows (every consumer of the outbox's topics dedupes, see
      // async-commit.ts); not waiting for the WAL flush halves a batch's cost.
      await commitAsynchronously(tx);
      const rows = await tx<{ id: string; topic: string; envelope: Envelope }[]>`
        SELECT id, topic, envelope FROM outbox
        WHERE published_at IS NULL
        ORDER BY id
        LIMIT ${this.batchSize}
        FOR UPDATE SKIP LOCKED`;
      const published: string[] = [];
      let failed = false;
      for (const row of rows) {
        try {
          await forward(this.bus, row.topic, row.envelope);
          published.push(row.id);
        } catch (error) {
          failed = true;
          const message = error instanceof Error ? error.message : String(error);
          this.logger.warn("outbox publish failed; will retry", { id: row.id, topic: row.topic, error: message });
          await tx`UPDATE outbox SET attempts = attempts + 1, last_error = ${message} WHERE id = ${row.id}`;
          break;
        }
      }
      if (published.length > 0) {
        await tx`
          UPDATE outbox SET published_at = jts_now_ns(), attempts = attempts + 1, last_error = NULL
          WHERE id = ANY(${published}::bigint[])`;
      }
      return { published: published.length, failed };
    });
  }
}
