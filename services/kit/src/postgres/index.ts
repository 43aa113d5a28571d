export { commitAsynchronously } from "./async-commit.ts";
export { PostgresAuditLog } from "./audit.ts";
export {
  type ConnectOptions,
  connectPostgres,
  postgresReadiness,
  type Queryable,
  type Sql,
  type Tx,
} from "./connect.ts";
export { PostgresDocumentStore } from "./document-store.ts";
export { type EmbeddedPostgresOptions, type EmbeddedPostgresServer, startEmbeddedPostgres } from "./embedded.ts";
export {
  loadMigrations,
  MIGRATIONS_DIR,
  type MigrateResult,
  type Migration,
  MigrationError,
  migrate,
} from "./migrate.ts";
export {
  enqueueOutbox,
  notifyOutbox,
  OUTBOX_CHANNEL,
  type OutboxMessage,
  OutboxRelay,
  type OutboxRelayOptions,
} from "./outbox.ts";
export { markProcessed, processOnce } from "./processed.ts";
export { startTestPostgres, type TestPostgres, truncateAll } from "./testing.ts";
