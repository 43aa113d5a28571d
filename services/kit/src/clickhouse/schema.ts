import type { ClickHouseClient } from "@clickhouse/client";

export interface SchemaOptions {
  /** Database holding the tables; created when missing. */
  database?: string;
  /** Days of raw ticks kept; 0 keeps them forever. */
  retentionDays?: number;
  /** Days of 1m candles kept; 0 (the default) keeps them forever: they are ~1440 rows a symbol a day. */
  candleRetentionDays?: number;
}

export const DEFAULT_DATABASE = "jts";
export const DEFAULT_RETENTION_DAYS = 30;

/**
 * Retried inserts are deduplicated by their `insert_deduplication_token`
 * within this many recent blocks per table (the writer keeps a failed batch
 * whole and resends it with the same token, so a timeout after the server had
 * in fact written it does not count its ticks twice in the candles).
 */
const DEDUPLICATION_WINDOW = 1000;

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function checkDatabaseName(database: string): string {
  if (!identifier.test(database)) throw new Error(`not a database name: ${JSON.stringify(database)}`);
  return database;
}

function days(value: number | undefined, fallback: number, name: string): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number of days >= 0, got ${value}`);
  return n;
}

const tickTtl = (retentionDays: number) => `toDateTime(ts) + INTERVAL ${retentionDays} DAY`;
const candleTtl = (retentionDays: number) => `bucket + INTERVAL ${retentionDays} DAY`;

/**
 * The DDL, in order. Money is Decimal128(9) (38 digits, 9 after the point), the
 * same scale as contracts/decimal.ts, so no float ever holds a price. Event
 * time is one DateTime64(9, 'UTC') column: an Int64 of nanoseconds underneath,
 * so exact, and still a date for PARTITION BY, TTL and ad-hoc SQL. Inserts
 * send the nanoseconds as the EPHEMERAL `ts_ns` digits, because ClickHouse
 * reads a quoted digit string into DateTime64 by guessing its format.
 */
export function schemaStatements(options: SchemaOptions = {}): string[] {
  const db = checkDatabaseName(options.database ?? DEFAULT_DATABASE);
  const retention = days(options.retentionDays, DEFAULT_RETENTION_DAYS, "retentionDays");
  const candleRetention = days(options.candleRetentionDays, 0, "candleRetentionDays");
  return [
    `CREATE DATABASE IF NOT EXISTS ${db}`,
    // Whole expired days are dropped as parts (ttl_only_drop_parts), never rewritten row by row.
    `CREATE TABLE IF NOT EXISTS ${db}.ticks (
      symbol LowCardinality(String),
      venue LowCardinality(String),
      price Decimal128(9),
      quantity Decimal128(9),
      aggressor LowCardinality(String),
      trade_id String,
      ts_ns Int64 EPHEMERAL,
      ts DateTime64(9, 'UTC') DEFAULT fromUnixTimestamp64Nano(ts_ns, 'UTC') CODEC(Delta, ZSTD(1))
    )
    ENGINE = MergeTree
    PARTITION BY toDate(ts)
    ORDER BY (symbol, ts)
    ${retention > 0 ? `TTL ${tickTtl(retention)}` : ""}
    SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = ${DEDUPLICATION_WINDOW}`,
    // Partial aggregate states, one row per (symbol, minute) per insert block;
    // background merges and every query's GROUP BY combine them, so ticks of one
    // minute split over many inserts still give one exact bar.
    `CREATE TABLE IF NOT EXISTS ${db}.candles_1m (
      symbol LowCardinality(String),
      bucket DateTime('UTC'),
      venue SimpleAggregateFunction(anyLast, LowCardinality(String)),
      open AggregateFunction(argMin, Decimal128(9), DateTime64(9, 'UTC')),
      high SimpleAggregateFunction(max, Decimal128(9)),
      low SimpleAggregateFunction(min, Decimal128(9)),
      close AggregateFunction(argMax, Decimal128(9), DateTime64(9, 'UTC')),
      volume SimpleAggregateFunction(sum, Decimal128(9)),
      trades SimpleAggregateFunction(sum, UInt64)
    )
    ENGINE = AggregatingMergeTree
    PARTITION BY toYYYYMM(bucket)
    ORDER BY (symbol, bucket)
    ${candleRetention > 0 ? `TTL ${candleTtl(candleRetention)}` : ""}
    SETTINGS non_replicated_deduplication_window = ${DEDUPLICATION_WINDOW}`,
    // Sees every inserted block, including rows the ticks TTL drops at once, so
    // candles outlive the raw ticks they were built from.
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.candles_1m_mv TO ${db}.candles_1m AS
    SELECT
      symbol,
      toStartOfMinute(toDateTime(ts, 'UTC')) AS bucket,
      anyLast(venue) AS venue,
      argMinState(price, ts) AS open,
      max(price) AS high,
      min(price) AS low,
      argMaxState(price, ts) AS close,
      sum(quantity) AS volume,
      toUInt64(count()) AS trades
    FROM ${db}.ticks
    GROUP BY symbol, bucket`,
    // Fills arrive at least once; ReplacingMergeTree on a key ending in the fill
    // id folds redeliveries together. No TTL: these are money records.
    `CREATE TABLE IF NOT EXISTS ${db}.executions (
      id String,
      order_id String,
      client_order_id String,
      account LowCardinality(String),
      venue LowCardinality(String),
      symbol LowCardinality(String),
      side LowCardinality(String),
      price Decimal128(9),
      quantity Decimal128(9),
      fee Decimal128(9),
      fee_currency LowCardinality(String),
      liquidity LowCardinality(String),
      strategy_id Nullable(String),
      ts_ns Int64 EPHEMERAL,
      ts DateTime64(9, 'UTC') DEFAULT fromUnixTimestamp64Nano(ts_ns, 'UTC')
    )
    ENGINE = ReplacingMergeTree
    PARTITION BY toYYYYMM(ts)
    ORDER BY (account, symbol, ts, id)
    SETTINGS non_replicated_deduplication_window = ${DEDUPLICATION_WINDOW}`,
  ];
}

/**
 * Creates what is missing and leaves what exists, so every process can call it
 * at start. CREATE ... IF NOT EXISTS would keep an old TTL forever, so a changed
 * retention setting is applied with ALTER ... MODIFY TTL (or REMOVE TTL).
 */
export async function ensureSchema(client: ClickHouseClient, options: SchemaOptions = {}): Promise<void> {
  for (const query of schemaStatements(options)) await client.command({ query });
  const db = options.database ?? DEFAULT_DATABASE;
  await reconcileTtl(
    client,
    db,
    "ticks",
    days(options.retentionDays, DEFAULT_RETENTION_DAYS, "retentionDays"),
    tickTtl,
  );
  await reconcileTtl(client, db, "candles_1m", days(options.candleRetentionDays, 0, "candleRetentionDays"), candleTtl);
}

/** The table's TTL in days as the server reports it, or 0 when it has none. */
export async function currentTtlDays(client: ClickHouseClient, database: string, table: string): Promise<number> {
  const result = await client.query({
    query: "SELECT engine_full FROM system.tables WHERE database = {database:String} AND name = {table:String}",
    query_params: { database, table },
    format: "JSONEachRow",
  });
  const rows = await result.json<{ engine_full: string }>();
  const match = rows[0]?.engine_full.match(/\bTTL .*?toIntervalDay\((\d+)\)/);
  return match ? Number(match[1]) : 0;
}

async function reconcileTtl(
  client: ClickHouseClient,
  db: string,
  table: string,
  wanted: number,
  ttl: (days: number) => string,
): Promise<void> {
  const current = await currentTtlDays(client, db, table);
  if (current === wanted) return;
  const query =
    wanted > 0 ? `ALTER TABLE ${db}.${table} MODIFY TTL ${ttl(wanted)}` : `ALTER TABLE ${db}.${table} REMOVE TTL`;
  await client.command({ query });
}
