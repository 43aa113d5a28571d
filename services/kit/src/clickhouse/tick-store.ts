import type { ClickHouseClient } from "@clickhouse/client";
import { type Candle, type CandleInterval, type CandleQuery, type Fill, fx, type Tick } from "@jts/contracts";
import type { Logger } from "../log.ts";
import { BatchingWriter, type BatchingWriterOptions, type WriterStats } from "./batching-writer.ts";
import { createTimeSeriesClient, type TimeSeriesClientOptions } from "./client.ts";
import { checkDatabaseName, DEFAULT_DATABASE, ensureSchema, type SchemaOptions } from "./schema.ts";

const NS_PER_SECOND = 1_000_000_000n;
const STEP_SECONDS: Record<CandleInterval, bigint> = { "1m": 60n, "5m": 300n, "1h": 3600n, "1d": 86_400n };
/** DateTime's last second (2106); also keeps an open-ended `to` inside UInt32. */
const MAX_DATETIME = 4_294_967_295n;
/** DateTime64(9) is an Int64 of nanoseconds: it ends in 2262. */
const MAX_NS = 2n ** 63n - 1n;
export const DEFAULT_CANDLE_LIMIT = 1000;

type TickRow = [string, string, string, string, string, string, string];
const TICK_COLUMNS = ["symbol", "venue", "price", "quantity", "aggressor", "trade_id", "ts_ns"];
type FillRow = [
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  string | null,
  string,
];
const FILL_COLUMNS = [
  "id",
  "order_id",
  "client_order_id",
  "account",
  "venue",
  "symbol",
  "side",
  "price",
  "quantity",
  "fee",
  "fee_currency",
  "liquidity",
  "strategy_id",
  "ts_ns",
];

export type WriterSettings = Pick<
  BatchingWriterOptions<unknown>,
  "maxRows" | "flushIntervalMs" | "maxBufferedRows" | "retryInitialMs" | "retryMaxMs" | "closeTimeoutMs"
>;

export interface TickStoreOptions {
  database?: string;
  writer?: WriterSettings;
  logger?: Logger;
}

interface CandleRow {
  opened: string;
  latest: string;
  venue: string;
  o: string;
  h: string;
  l: string;
  c: string;
  v: string;
  n: string;
}

/**
 * Ticks, 1m candles and executions in ClickHouse (server or chdb). Writes go
 * through batching writers so a tick costs an array push; candles of every
 * interval are rolled up at query time from the 1m aggregate table, which
 * holds at most 1440 rows a symbol a day, so even a year of 1d bars merges
 * in milliseconds and there are no further views to keep consistent.
 */
export class ClickHouseTickStore {
  private readonly db: string;
  private readonly ticks: BatchingWriter<TickRow>;
  private readonly fills: BatchingWriter<FillRow>;

  constructor(
    private readonly client: ClickHouseClient,
    options: TickStoreOptions = {},
    private readonly ownsClient = false,
  ) {
    this.db = checkDatabaseName(options.database ?? DEFAULT_DATABASE);
    const insert = (table: string, columns: string[]) => async (values: unknown[][], token: string) => {
      await client.insert({
        table: `${this.db}.${table}`,
        columns: columns as [string, ...string[]],
        values,
        format: "JSONCompactEachRow",
        // Always set: chdb applies settings with a session-wide SET, so an insert
        // without its own token would inherit the previous batch's and be dropped.
        clickhouse_settings: { insert_deduplication_token: token },
      });
    };
    this.ticks = new BatchingWriter<TickRow>({
      ...options.writer,
      name: "clickhouse.ticks",
      logger: options.logger,
      write: insert("ticks", TICK_COLUMNS),
    });
    this.fills = new BatchingWriter<FillRow>({
      ...options.writer,
      name: "clickhouse.executions",
      logger: options.logger,
      write: insert("executions", FILL_COLUMNS),
    });
  }

  /**
   * Queues a tick; throws on a malformed price, quantity or time here, where
   * the caller can see it, rather than failing a whole batch later. A tick
   * refused by a full buffer is counted in `stats().ticks.rowsDropped` and
   * logged by the writer.
   */
  writeTick(tick: Tick): void {
    this.ticks.add([
      tick.symbol,
      tick.venue,
      decimal(tick.price),
      decimal(tick.quantity),
      tick.aggressor,
      tick.tradeId,
      nanos(tick.tsEvent),
    ]);
  }

  writeFill(fill: Fill): void {
    this.fills.add([
      fill.id,
      fill.orderId,
      fill.clientOrderId,
      fill.account,
      fill.venue,
      fill.symbol,
      fill.side,
      decimal(fill.price),
      decimal(fill.quantity),
      decimal(fill.fee),
      fill.feeCurrency,
      fill.liquidity,
      fill.strategyId,
      nanos(fill.tsEvent),
    ]);
  }

  /**
   * Candles whose open time lies in [from, to], at most `limit` of them (the
   * newest), oldest first. The symbol's newest candle is the open one
   * (`closed: false`), as in the in-memory CandleBook. Rows still in the
   * writer's buffer are not visible yet; `flush()` first to read your writes.
   */
  async candles(query: CandleQuery): Promise<Candle[]> {
    const interval = query.interval ?? "1m";
    const step = STEP_SECONDS[interval];
    const stepNs = step * NS_PER_SECOND;
    // A bar of interval I opens at a multiple of I, so [from, to] on the rolled
    // open time is [ceil(from), floor(to)] in whole steps, i.e. 1m buckets in
    // [ceil(from), floor(to) + I): a range on the table's sort key.
    const from = query.from === undefined ? 0n : ceilTo(BigInt(query.from), stepNs) / NS_PER_SECOND;
    const to = query.to === undefined ? MAX_DATETIME : (BigInt(query.to) / stepNs + 1n) * step;
    const lo = from > MAX_DATETIME ? MAX_DATETIME : from;
    const hi = to > MAX_DATETIME ? MAX_DATETIME : to;
    if (hi <= lo) return [];
    const table = `${this.db}.candles_1m`;
    const result = await this.client.query({
      query: `
        SELECT
          intDiv(toUInt32(bucket), {step:UInt32}) * {step:UInt32} AS start,
          toString(start) AS opened,
          toString(intDiv(toUInt32((SELECT max(bucket) FROM ${table} WHERE symbol = {symbol:String})), {step:UInt32})
            * {step:UInt32}) AS latest,
          anyLast(venue) AS venue,
          toString(argMinMerge(open)) AS o,
          toString(max(high)) AS h,
          toString(min(low)) AS l,
          toString(argMaxMerge(close)) AS c,
          toString(sum(volume)) AS v,
          toString(sum(trades)) AS n
        FROM ${table}
        WHERE symbol = {symbol:String}
          AND bucket >= toDateTime({lo:UInt32}, 'UTC') AND bucket < toDateTime({hi:UInt32}, 'UTC')
        GROUP BY start
        ORDER BY start DESC
        LIMIT {limit:UInt32}`,
      query_params: {
        symbol: query.symbol,
        step: Number(step),
        lo: Number(lo),
        hi: Number(hi),
        limit: query.limit ?? DEFAULT_CANDLE_LIMIT,
      },
      format: "JSONEachRow",
    });
    const rows = await result.json<CandleRow>();
    return rows.reverse().map((row) => ({
      symbol: query.symbol,
      venue: row.venue as Candle["venue"],
      interval,
      tsOpen: (BigInt(row.opened) * NS_PER_SECOND).toString(),
      open: canonical(row.o),
      high: canonical(row.h),
      low: canonical(row.l),
      close: canonical(row.c),
      volume: canonical(row.v),
      trades: Number(row.n),
      closed: row.opened !== row.latest,
    }));
  }

  /** Writes everything queued so far; rejects if ClickHouse refuses (the rows stay queued for retry). */
  async flush(): Promise<void> {
    await Promise.all([this.ticks.flush(), this.fills.flush()]);
  }

  stats(): { ticks: WriterStats; fills: WriterStats } {
    return { ticks: this.ticks.stats(), fills: this.fills.stats() };
  }

  /** Flushes both writers (retrying as they do), then closes the client if this store opened it. */
  async close(): Promise<void> {
    try {
      await Promise.all([this.ticks.close(), this.fills.close()]);
    } finally {
      if (this.ownsClient) await this.client.close();
    }
  }
}

export type OpenTickStoreOptions = TimeSeriesClientOptions & SchemaOptions & TickStoreOptions;

/** Connects (server or chdb), applies the schema and returns a store that owns its client. */
export async function openTickStore(options: OpenTickStoreOptions = {}): Promise<ClickHouseTickStore> {
  const client = createTimeSeriesClient(options);
  try {
    await ensureSchema(client, options);
  } catch (error) {
    await client.close();
    throw error;
  }
  return new ClickHouseTickStore(client, options, true);
}

/** Validates a contracts decimal (exact, at most 9 decimals) before it reaches a batch. */
function decimal(value: string): string {
  fx.toFixed(value);
  return value;
}

function nanos(value: string): string {
  const ns = BigInt(value);
  if (ns < 0n || ns > MAX_NS) throw new RangeError(`time out of range for DateTime64(9): ${value}`);
  return value;
}

/**
 * ClickHouse prints a Decimal without trailing zeros unless a server profile
 * sets output_format_decimal_trailing_zeros; parsing and re-printing makes the
 * contracts' format hold either way.
 */
function canonical(value: string): string {
  return fx.fromFixed(fx.toFixed(value));
}

function ceilTo(value: bigint, step: bigint): bigint {
  return ((value + step - 1n) / step) * step;
}
