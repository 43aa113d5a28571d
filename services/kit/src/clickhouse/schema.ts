import type { ClickHouseClient } from "@clickhouse/client";

export interface SchemaOptions {
  /** Database holding the tables; created when missing. */
  database?: string;
  /** Days of raw ticks kept; 0 keeps them forever. */
  retentionDays?: number;
  /** Days of 1m candles kept; 0 (the default) keeps them forever: they are ~1440 rows a symbol a day. */
  candleRetentionDays?: number;
  /**
   * Tiered storage (host/RUNBOOK.md "Tiered storage"): the ClickHouse storage policy
   * whose volumes are `default` (hot), `warm` and `cold` (host/provision writes one
   * called `tiered` when given --warm-device or --cold-mount). Empty keeps every
   * table on the server's default disk, as chdb and a server without the policy
   * need; undefined leaves the tier settings of existing tables as they are.
   */
  storagePolicy?: string;
  /** With a policy: parts older than this many days move to the warm volume; 0: no warm volume. */
  warmAfterDays?: number;
  /** With a policy: parts older than this many days move to the cold volume; 0: no cold volume. */
  coldAfterDays?: number;
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

export const DEFAULT_WARM_AFTER_DAYS = 7;
export const DEFAULT_COLD_AFTER_DAYS = 90;

/** One TTL rule: after `days`, move to `volume`, or delete when there is none. */
export interface TtlRule {
  days: number;
  volume?: string;
}

/** The time each table ages by, as a DateTime expression. */
const AGE_COLUMN = { ticks: "toDateTime(ts)", candles_1m: "bucket", executions: "toDateTime(ts)" } as const;
type AgedTable = keyof typeof AGE_COLUMN;

/**
 * A table's TTL rules: the moves of the storage policy (only those before the
 * table's deletion, which would make them pointless), then the deletion.
 * Parts move whole, by the age of their newest row, in the background.
 */
function ttlRules(options: SchemaOptions, deleteAfterDays: number): TtlRule[] {
  const rules: TtlRule[] = [];
  if (options.storagePolicy) {
    const warm = days(options.warmAfterDays, DEFAULT_WARM_AFTER_DAYS, "warmAfterDays");
    const cold = days(options.coldAfterDays, DEFAULT_COLD_AFTER_DAYS, "coldAfterDays");
    if (warm > 0 && cold > 0 && cold <= warm)
      throw new Error(`coldAfterDays (${cold}) must be more than warmAfterDays (${warm})`);
    for (const [volume, after] of [
      ["warm", warm],
      ["cold", cold],
    ] as const)
      if (after > 0 && (deleteAfterDays === 0 || after < deleteAfterDays)) rules.push({ days: after, volume });
  }
  if (deleteAfterDays > 0) rules.push({ days: deleteAfterDays });
  return rules;
}

function ttlClause(table: AgedTable, rules: TtlRule[]): string {
  return rules
    .map((r) => `${AGE_COLUMN[table]} + INTERVAL ${r.days} DAY${r.volume ? ` TO VOLUME '${r.volume}'` : ""}`)
    .join(", ");
}

/** `TTL ...` and `SETTINGS ...` of a table, as CREATE TABLE takes them. */
function ttlAndSettings(table: AgedTable, rules: TtlRule[], options: SchemaOptions, settings: string[]): string {
  const all = [...settings];
  if (options.storagePolicy) all.unshift(`storage_policy = '${checkPolicyName(options.storagePolicy)}'`);
  return `${rules.length > 0 ? `TTL ${ttlClause(table, rules)}` : ""}
    SETTINGS ${all.join(", ")}`;
}

function checkPolicyName(policy: string): string {
  if (!identifier.test(policy)) throw new Error(`not a storage policy name: ${JSON.stringify(policy)}`);
  return policy;
}

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
  const dedup = `non_replicated_deduplication_window = ${DEDUPLICATION_WINDOW}`;
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
    ${ttlAndSettings("ticks", ttlRules(options, retention), options, ["ttl_only_drop_parts = 1", dedup])}`,
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
    ${ttlAndSettings("candles_1m", ttlRules(options, candleRetention), options, [dedup])}`,
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
    // id folds redeliveries together. Never deleted: these are money records (old
    // ones only move to the slower tiers when a storage policy is set).
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
    ${ttlAndSettings("executions", ttlRules(options, 0), options, [dedup])}`,
  ];
}

/**
 * Creates what is missing and leaves what exists, so every process can call it
 * at start. CREATE ... IF NOT EXISTS would keep an old TTL forever, so changed
 * retention or tier settings are applied with ALTER ... MODIFY TTL (or REMOVE
 * TTL), and a newly set storage policy with ALTER ... MODIFY SETTING.
 */
export async function ensureSchema(client: ClickHouseClient, options: SchemaOptions = {}): Promise<void> {
  for (const query of schemaStatements(options)) await client.command({ query });
  const db = options.database ?? DEFAULT_DATABASE;
  const deletion: Record<AgedTable, number> = {
    ticks: days(options.retentionDays, DEFAULT_RETENTION_DAYS, "retentionDays"),
    candles_1m: days(options.candleRetentionDays, 0, "candleRetentionDays"),
    executions: 0,
  };
  for (const table of Object.keys(AGE_COLUMN) as AgedTable[]) {
    if (options.storagePolicy) await reconcilePolicy(client, db, table, options.storagePolicy);
    await reconcileTtl(client, db, table, await wantedRules(client, db, table, options, deletion[table]));
  }
}

/**
 * With `storagePolicy` undefined the caller does not manage tiers (a backfill, a
 * backtest): the moves the table has are kept and only its deletion is set. An
 * empty string turns the tiers off: the moves are removed (parts already moved
 * stay where they are).
 */
async function wantedRules(
  client: ClickHouseClient,
  db: string,
  table: AgedTable,
  options: SchemaOptions,
  deleteAfterDays: number,
): Promise<TtlRule[]> {
  if (options.storagePolicy !== undefined) return ttlRules(options, deleteAfterDays);
  const moves = (await currentTtlRules(client, db, table)).filter(
    (r) => r.volume && (deleteAfterDays === 0 || r.days < deleteAfterDays),
  );
  return deleteAfterDays > 0 ? [...moves, { days: deleteAfterDays }] : moves;
}

async function tableFacts(
  client: ClickHouseClient,
  database: string,
  table: string,
): Promise<{ engine_full: string; storage_policy: string } | undefined> {
  const result = await client.query({
    query:
      "SELECT engine_full, storage_policy FROM system.tables WHERE database = {database:String} AND name = {table:String}",
    query_params: { database, table },
    format: "JSONEachRow",
  });
  return (await result.json<{ engine_full: string; storage_policy: string }>())[0];
}

/** The table's TTL rules as the server reports them (`... + toIntervalDay(7) TO VOLUME 'warm', ...`). */
export async function currentTtlRules(client: ClickHouseClient, database: string, table: string): Promise<TtlRule[]> {
  const engine = (await tableFacts(client, database, table))?.engine_full ?? "";
  const ttl = engine.match(/\bTTL (.*?)(?: SETTINGS |$)/)?.[1] ?? "";
  return [...ttl.matchAll(/toIntervalDay\((\d+)\)(?: TO VOLUME '([^']+)')?/g)].map((m) =>
    m[2] ? { days: Number(m[1]), volume: m[2] } : { days: Number(m[1]) },
  );
}

/** The table's deletion TTL in days as the server reports it, or 0 when it has none. */
export async function currentTtlDays(client: ClickHouseClient, database: string, table: string): Promise<number> {
  return (await currentTtlRules(client, database, table)).find((r) => !r.volume)?.days ?? 0;
}

async function reconcileTtl(client: ClickHouseClient, db: string, table: AgedTable, wanted: TtlRule[]): Promise<void> {
  const current = await currentTtlRules(client, db, table);
  if (JSON.stringify(current) === JSON.stringify(wanted)) return;
  const query =
    wanted.length > 0
      ? `ALTER TABLE ${db}.${table} MODIFY TTL ${ttlClause(table, wanted)}`
      : `ALTER TABLE ${db}.${table} REMOVE TTL`;
  await client.command({ query });
}

/**
 * Puts an existing table on the policy. ClickHouse allows it only when the new
 * policy keeps every disk of the old one: `tiered` keeps `default` as its hot
 * volume, so a table made before the tiers existed moves onto them. Going back
 * is refused by the server (parts may already sit on warm or cold disks).
 */
async function reconcilePolicy(client: ClickHouseClient, db: string, table: AgedTable, policy: string): Promise<void> {
  const current = (await tableFacts(client, db, table))?.storage_policy;
  if (current === undefined || current === policy) return;
  await client.command({
    query: `ALTER TABLE ${db}.${table} MODIFY SETTING storage_policy = '${checkPolicyName(policy)}'`,
  });
}
