import type { Envelope, EventBus } from "@jts/contracts";
import { forward } from "../events/forward.ts";
import { createLogger, type Logger } from "../log.ts";
import type { Queryable, Sql } from "./connect.ts";

export interface OutboxMessage {
  topic: string;
  event: Envelope;
}

/** The channel a writer whose own process is not leading the relay notifies after it commits outbox rows. */
export const OUTBOX_CHANNEL = "jts_outbox";
/** Transaction advisory lock a relay's pass holds: one pass publishes at a time across all relays. */
const RELAY_LOCK = "jts.outbox_relay";

/**
 * Writes events to the outbox. Call it with the transaction of the state
 * change the events describe: they commit, or vanish, together with it.
 * Rows get ids in the order given. After the commit, tell the relay
 * (`OutboxRelay.written`, or `notifyOutbox` from a process without one).
 */
export async function enqueueOutbox(tx: Queryable, messages: readonly OutboxMessage[]): Promise<void> {
  if (messages.length === 0) return;
  const rows = messages.map(({ topic, event }) => ({ topic, key: event.key, envelope: event }));
  await tx`INSERT INTO outbox ${tx(rows as never, "topic", "key", "envelope")}`;
}

/**
 * Wakes whichever relay leads, in any process, after outbox rows committed.
 * Sent after the commit and on its own: a NOTIFY inside the writing
 * transaction would hold PostgreSQL's notify lock through that commit's WAL
 * flush, so every outbox writer would commit one after the other.
 */
export function notifyOutbox(sql: Queryable): Promise<void> {
  return sql`SELECT pg_notify(${OUTBOX_CHANNEL}, '')`.then(() => undefined);
}

export interface OutboxRelayOptions {
  /** Rows per pass. Default 100. */
  batchSize?: number;
  /** Poll period when nothing wakes the relay. Default 500 ms. */
  pollIntervalMs?: number;
  /** Wait after a failed publish before retrying (wake-ups do not cut it short). Default 1000 ms. */
  retryDelayMs?: number;
  /**
   * First wait before trying again when another relay's pass holds the lock, so rows it
   * missed go out soon; doubled on each busy pass in a row, up to `pollIntervalMs`. Default 10 ms.
   */
  lockBusyRetryMs?: number;
  /** A warning, once per streak, when the lock has been busy this long (a stuck pass, or a session holding it). Default 10 s. */
  lockBusyWarnMs?: number;
  /** Also wake on NOTIFY from writers in processes without a relay of their own. Default true. */
  listen?: boolean;
  logger?: Logger;
}

interface Pass {
  published: number;
  failed: boolean;
  /** Another relay's pass held the lock, so this one did nothing. */
  lockBusy: boolean;
}

/**
 * Publishes committed outbox rows to the event bus in id order, at least once:
 * a crash between publish and commit publishes again, so consumers dedupe by
 * event id (processed.ts). Each pass is one transaction of four round trips:
 * BEGIN; a try-advisory-lock, asynchronous commit and the `FOR UPDATE SKIP
 * LOCKED` read in one statement; publish; the "published" mark; COMMIT. With
 * several relays on one database exactly one publishes at a time, and per-key
 * order holds. Ids come from a sequence, so two transactions can commit out of
 * id order; events of one order stay ordered because their writers lock the
 * order's row. A publish that fails stops the pass (nothing overtakes it) and
 * is retried after `retryDelayMs`.
 *
 * Writers call `written()` after they commit: a relay running in their own
 * process wakes at once, else a NOTIFY wakes one elsewhere.
 */
export class OutboxRelay {
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly retryDelayMs: number;
  private readonly lockBusyRetryMs: number;
  private readonly lockBusyWarnMs: number;
  /** Busy passes in a row, and when the streak began (ms), for the backoff and the warning. */
  private busyStreak = 0;
  private busySince = 0;
  private busyWarned = false;
  private readonly logger: Logger;
  private running = false;
  private loop: Promise<void> | undefined;
  private listener: { unlisten(): Promise<void> } | undefined;
  /** Ends the current sleep; `woken` is remembered while a pass runs. */
  private wake: (() => void) | undefined;
  private wakeable = true;
  private woken = false;
  /** The last pass failed: this relay sleeps `retryDelayMs`, whatever wakes it. */
  private backingOff = false;

  constructor(
    private readonly sql: Sql,
    private readonly bus: EventBus,
    private readonly options: OutboxRelayOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 100;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.retryDelayMs = options.retryDelayMs ?? 1000;
    this.lockBusyRetryMs = options.lockBusyRetryMs ?? 10;
    this.lockBusyWarnMs = options.lockBusyWarnMs ?? 10_000;
    this.logger = options.logger ?? createLogger({ component: "outbox-relay" }, "warn");
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    if (this.options.listen ?? true) {
      try {
        this.listener = await this.sql.listen(OUTBOX_CHANNEL, () => this.onWake());
      } catch (error) {
        this.logger.warn("outbox LISTEN failed; polling only", { error });
      }
    }
    this.loop = this.run();
  }

  /** Stops after the pass in flight has been published and committed. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
    await this.listener?.unlisten().catch(() => undefined);
    this.listener = undefined;
  }

  /**
   * Outbox rows of this process committed: wakes this relay when it runs,
   * and one elsewhere by NOTIFY when this one does not run or is backing off
   * after a failed publish. Never throws; a lost wake-up costs at most one poll.
   */
  written(): void {
    if (this.running) this.onWake();
    // A relay backing off after a failed publish would leave the rows to the other relays' poll.
    if (!this.running || this.backingOff)
      notifyOutbox(this.sql).catch((error: unknown) => this.logger.warn("outbox NOTIFY failed", { error }));
  }

  /** Publishes one pass and returns how many events went out. */
  async relayOnce(): Promise<number> {
    return (await this.pass()).published;
  }

  /** Publishes until no full pass is left (tests, maintenance). */
  async flush(): Promise<number> {
    let total = 0;
    for (;;) {
      const { published, failed } = await this.pass();
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
      let passFailed = false;
      try {
        const { published, failed, lockBusy } = await this.pass();
        passFailed = failed;
        if (!lockBusy) this.busyStreak = 0;
        if (failed) delay = this.retryDelayMs;
        else if (lockBusy) delay = this.lockBusy();
        else if (published === this.batchSize) continue; // more is waiting
      } catch (error) {
        this.logger.error("outbox relay pass failed", { error });
        passFailed = true;
        delay = this.retryDelayMs;
      }
      this.backingOff = passFailed;
      await this.sleep(delay, delay === this.pollIntervalMs);
    }
  }

  /**
   * The wait after a pass that found another's holding the lock: short at first (a row that pass
   * missed goes out soon), doubling to the poll period, so a lock held for long (a publish that
   * hangs, or any session holding it) costs a pass per poll, not a hundred a second.
   */
  private lockBusy(): number {
    if (this.busyStreak++ === 0) {
      this.busySince = Date.now();
      this.busyWarned = false;
    } else if (!this.busyWarned && Date.now() - this.busySince >= this.lockBusyWarnMs) {
      this.busyWarned = true;
      this.logger.warn("outbox relay lock held by another session for long; nothing is published meanwhile", {
        busyMs: Date.now() - this.busySince,
      });
    }
    return Math.min(this.lockBusyRetryMs * 2 ** Math.min(this.busyStreak - 1, 20), this.pollIntervalMs);
  }

  private sleep(ms: number, wakeable: boolean): Promise<void> {
    if (!this.running) return Promise.resolve();
    if (wakeable && this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        this.woken = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
      this.wakeable = wakeable;
    });
  }

  private onWake() {
    if (this.wake && this.wakeable) this.wake();
    else this.woken = true;
  }

  private pass(): Promise<Pass> {
    return this.sql.begin(async (tx): Promise<Pass> => {
      // One statement: the lock, this transaction's commit made asynchronous, then the rows.
      // Losing a "published" mark in a crash only means publishing again, which at-least-once
      // allows (every consumer of the outbox's topics dedupes, see async-commit.ts). The read's
      // snapshot may predate the commit of the pass that held the lock before; FOR UPDATE then
      // re-checks each row against its committed version (READ COMMITTED), so a row that pass
      // marked is skipped, not published twice.
      const rows = await tx<{ locked: boolean; id: string | null; topic: string; envelope: Envelope }[]>`
        WITH lock AS MATERIALIZED (
          SELECT pg_try_advisory_xact_lock(hashtextextended(${RELAY_LOCK}, 0)) AS locked,
                 set_config('synchronous_commit', 'off', true) AS synchronous_commit
        )
        SELECT lock.locked, o.id, o.topic, o.envelope
        FROM lock LEFT JOIN LATERAL (
          SELECT id, topic, envelope FROM outbox
          WHERE lock.locked AND published_at IS NULL
          ORDER BY id
          LIMIT ${this.batchSize}
          FOR UPDATE SKIP LOCKED
        ) o ON true`;
      if (!rows[0]?.locked) return { published: 0, failed: false, lockBusy: true };
      const published: string[] = [];
      let failed = false;
      for (const row of rows) {
        if (row.id === null) continue;
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
      return { published: published.length, failed, lockBusy: false };
    });
  }
}
