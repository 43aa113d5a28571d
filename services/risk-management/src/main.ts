import type { DocumentStore } from "@jts/contracts";
import { durableStoreUrl, int, loadConfig, runStandalone, str } from "@jts/kit";
import { connectPostgres, migrate, PostgresAuditLog, PostgresDocumentStore } from "@jts/kit/postgres";
import { riskConfigSpec, riskOptionsFrom } from "./config.ts";
import { createRiskService } from "./service.ts";
import { sessionConfigSpec, sessionsFor } from "./sessions.ts";

const config = loadConfig({
  RISK_PORT: int(3002, { min: 0, max: 65535 }),
  /** Limits, trading states and day baselines in MongoDB when set (the stack), else in DATABASE_URL's documents table. */
  MONGO_URL: str(""),
  /**
   * When set: decisions and state and limit changes go to the PostgreSQL audit_log, and (without
   * MONGO_URL) limits and trading states are kept in its documents table; in memory and the cache port otherwise.
   */
  DATABASE_URL: durableStoreUrl("risk limits and trading states"),
  ...sessionConfigSpec,
  ...riskConfigSpec,
});

const sql = config.DATABASE_URL ? connectPostgres(config.DATABASE_URL, { applicationName: "risk-management" }) : null;
if (sql) await migrate(sql);

async function openDocuments(): Promise<DocumentStore | undefined> {
  if (config.MONGO_URL) {
    const { MongoDocumentStore } = await import("@jts/kit/mongo");
    return MongoDocumentStore.connect(config.MONGO_URL);
  }
  return sql ? new PostgresDocumentStore(sql) : undefined;
}
const documents = await openDocuments();

await runStandalone("risk-management", config.RISK_PORT, (runtime) => {
  const service = createRiskService(runtime, {
    sessions: sessionsFor(config),
    ...riskOptionsFrom(config),
    ...(sql ? { audit: new PostgresAuditLog(sql) } : {}),
    ...(documents ? { documents } : {}),
  });
  return {
    ...service,
    async stop() {
      await service.stop();
      await documents?.close();
      await sql?.end({ timeout: 5 });
    },
  };
});
