import { durableStoreUrl, int, loadConfig, runStandalone } from "@jts/kit";
import { connectPostgres, migrate, PostgresAuditLog, PostgresDocumentStore } from "@jts/kit/postgres";
import { riskConfigSpec, riskOptionsFrom } from "./config.ts";
import { createRiskService } from "./service.ts";
import { sessionConfigSpec, sessionsFor } from "./sessions.ts";

const config = loadConfig({
  RISK_PORT: int(3002, { min: 0, max: 65535 }),
  /**
   * When set: decisions and state and limit changes go to the PostgreSQL audit_log, and limits and
   * trading states are kept in its documents table; in memory and the cache port otherwise.
   */
  DATABASE_URL: durableStoreUrl("risk limits and trading states"),
  ...sessionConfigSpec,
  ...riskConfigSpec,
});

const sql = config.DATABASE_URL ? connectPostgres(config.DATABASE_URL, { applicationName: "risk-management" }) : null;
if (sql) await migrate(sql);

await runStandalone("risk-management", config.RISK_PORT, (runtime) => {
  const service = createRiskService(runtime, {
    sessions: sessionsFor(config),
    ...riskOptionsFrom(config),
    ...(sql ? { audit: new PostgresAuditLog(sql), documents: new PostgresDocumentStore(sql) } : {}),
  });
  if (!sql) return service;
  return {
    ...service,
    async stop() {
      await service.stop();
      await sql.end({ timeout: 5 });
    },
  };
});
