import type { Logger } from "../log.ts";

export interface BatchingWriterOptions<Row> {
  /**
   * Writes one batch. `token` is the same on every retry of that batch and
   * different for every other batch, so the sink can drop a resend of a batch
   * it had already stored (ClickHouse: `insert_deduplication_token`).
   */
  write(rows: Row[], token: string): Promise<void>;
  /**
   * A batch is cut as soon as this many rows wait (default 50,000: every
   * insert makes a part and runs the candle view once, so under a burst fewer,
   * larger inserts more than double the rows per second; a quiet feed is cut by
   * flushIntervalMs long before).
   */
  maxRows?: number;
  /** A partial batch is cut after this long, so a quiet feed still lands. */
  flushIntervalMs?: number;
  /** Rows held at most, written or not (default 1,000,000); past it `add` refuses rows (see `add`). */
  maxBufferedRows?: number;
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** How long `close` keeps retrying a failing sink before it gives up and says how many rows are lost. */
  closeTimeoutMs?: number;
  name?: string;
  logger?: Logger;
}

export interface WriterStats {
  rowsWritten: number;
  batchesWritten: number;
  failedFlushes: number;
  /** Rows `add` refused because the buffer was full. */
  rowsDropped: number;
  /** Rows held now: the open batch plus sealed batches not yet written. */
  bufferedRows: number;
}

interface Batch<Row> {
  rows: Row[];
  token: string;
}

/**
 * Collects rows and writes them in batches, one batch in flight at a time and
 * in order. A failed write keeps its batch, unchanged and with the same
 * token, at the head of the queue and retries it with exponential backoff;
 * `add` never waits on the sink. Memory is bounded by `maxBufferedRows`: when
 * it is full the newest rows are refused and counted, because the batches
 * already cut must stay whole to be retried safely, and a refused row is
 * visible to the caller while a silently evicted old one is not.
 */
export class BatchingWriter<Row> {
  private readonly maxRows: number;
  private readonly maxBufferedRows: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private readonly closeTimeoutMs: number;
  private readonly name: string;
  private readonly tokenPrefix = crypto.randomUUID();
  private readonly timer: ReturnType<typeof setInterval>;
  private open: Row[] = [];
  private readonly queue: Batch<Row>[] = [];
  private sequence = 0;
  private running: Promise<void> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private backoffMs = 0;
  private overflowing = false;
  private closing: Promise<void> | null = null;
  private readonly counters = { rowsWritten: 0, batchesWritten: 0, failedFlushes: 0, rowsDropped: 0, bufferedRows: 0 };

  constructor(private readonly options: BatchingWriterOptions<Row>) {
    this.maxRows = positive(options.maxRows ?? 50_000, "maxRows");
    this.maxBufferedRows = Math.max(this.maxRows, positive(options.maxBufferedRows ?? 1_000_000, "maxBufferedRows"));
    this.retryInitialMs = options.retryInitialMs ?? 100;
    this.retryMaxMs = options.retryMaxMs ?? 10_000;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 30_000;
    this.name = options.name ?? "batching-writer";
    this.timer = setInterval(() => this.cut(), positive(options.flushIntervalMs ?? 1000, "flushIntervalMs"));
    // A background flusher must not keep a finished process alive; shutdown calls close().
    this.timer.unref?.();
  }

  /**
   * Buffers one row; returns false when the row was refused because
   * `maxBufferedRows` rows are already held (counted in `rowsDropped`).
   */
  add(row: Row): boolean {
    if (this.closing) throw new Error(`${this.name} is closed`);
    if (this.counters.bufferedRows >= this.maxBufferedRows) {
      this.counters.rowsDropped++;
      if (!this.overflowing) {
        this.overflowing = true;
        this.options.logger?.error("buffer full, refusing rows until a batch is written", {
          writer: this.name,
          maxBufferedRows: this.maxBufferedRows,
        });
      }
      return false;
    }
    this.open.push(row);
    this.counters.bufferedRows++;
    if (this.open.length >= this.maxRows) this.cut();
    return true;
  }

  /** Writes everything added so far now; rejects if a write fails (its batch stays queued for retry). */
  async flush(): Promise<void> {
    this.seal();
    this.cancelRetry();
    while (this.queue.length > 0) await this.pump();
  }

  /**
   * Stops the timer and writes every buffered row before resolving, retrying a
   * failing sink with backoff for up to `closeTimeoutMs`; only then rejects,
   * naming how many rows were not written.
   */
  close(): Promise<void> {
    this.closing ??= this.drainForClose();
    return this.closing;
  }

  stats(): WriterStats {
    return { ...this.counters };
  }

  private async drainForClose(): Promise<void> {
    clearInterval(this.timer);
    this.seal();
    const deadline = Date.now() + this.closeTimeoutMs;
    while (this.queue.length > 0) {
      this.cancelRetry();
      try {
        await this.pump();
      } catch (error) {
        if (Date.now() + this.backoffMs > deadline) {
          const lost = this.counters.bufferedRows;
          this.options.logger?.error("closing with rows not written", { writer: this.name, rows: lost, error });
          throw new Error(`${this.name}: ${lost} rows not written before close gave up`, { cause: error });
        }
        await Bun.sleep(this.backoffMs);
      }
    }
  }

  /** Seals the open rows into a batch and starts writing unless a retry is waiting out its backoff. */
  private cut() {
    this.seal();
    if (this.queue.length > 0 && !this.retryTimer) this.pump().catch(() => {});
  }

  private seal() {
    while (this.open.length > 0) {
      const rows = this.open.splice(0, this.maxRows);
      this.queue.push({ rows, token: `${this.tokenPrefix}-${++this.sequence}` });
    }
  }

  /** The one drain in flight, shared by every caller; a failure schedules the retry. */
  private pump(): Promise<void> {
    if (!this.running) {
      this.running = this.drain().finally(() => {
        this.running = null;
      });
      this.running.catch(() => this.scheduleRetry());
    }
    return this.running;
  }

  private async drain(): Promise<void> {
    for (let batch = this.queue[0]; batch; batch = this.queue[0]) {
      try {
        await this.options.write(batch.rows, batch.token);
      } catch (error) {
        this.counters.failedFlushes++;
        this.backoffMs = Math.min(this.retryMaxMs, this.backoffMs ? this.backoffMs * 2 : this.retryInitialMs);
        this.options.logger?.warn("batch write failed, keeping it for retry", {
          writer: this.name,
          rows: batch.rows.length,
          retryInMs: this.backoffMs,
          error,
        });
        throw error;
      }
      this.queue.shift();
      this.backoffMs = 0;
      this.overflowing = false;
      this.counters.rowsWritten += batch.rows.length;
      this.counters.batchesWritten++;
      this.counters.bufferedRows -= batch.rows.length;
    }
  }

  private scheduleRetry() {
    if (this.closing || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.pump().catch(() => {});
    }, this.backoffMs);
    this.retryTimer.unref?.();
  }

  private cancelRetry() {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }
}

function positive(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number >= 1, got ${value}`);
  return value;
}
