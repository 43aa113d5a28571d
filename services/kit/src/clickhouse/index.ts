export { BatchingWriter, type BatchingWriterOptions, type WriterStats } from "./batching-writer.ts";
export {
  type ClickHouseClient,
  createTimeSeriesClient,
  DEFAULT_CHDB_PATH,
  type TimeSeriesClientOptions,
} from "./client.ts";
export {
  DEFAULT_DATABASE,
  DEFAULT_RETENTION_DAYS,
  ensureSchema,
  type SchemaOptions,
  schemaStatements,
} from "./schema.ts";
export { createTestTimeSeries, type TestTimeSeries } from "./testing.ts";
export {
  ClickHouseTickStore,
  DEFAULT_CANDLE_LIMIT,
  type OpenTickStoreOptions,
  openTickStore,
  type TickStoreOptions,
  type WriterSettings,
} from "./tick-store.ts";
