import { durableStoreUrl, krxHolidaysOf, krxSchedule, loadConfig, runStandalone, sessionConfigSpec } from "@jts/kit";
import { connectPostgres, migrate, PostgresAuditLog, postgresReadiness } from "@jts/kit/postgres";
import { ensureBootstrapAdmin } from "./auth/bootstrap.ts";
import { PostgresUserDirectory } from "./auth/postgres-users.ts";
import { MemoryUserDirectory, type UserDirectory } from "./auth/users.ts";
import { gatewayConfigSpec, gatewaySettings } from "./config.ts";
import { createGatewayService } from "./service.ts";

const config = loadConfig({
  ...gatewayConfigSpec,
  ...sessionConfigSpec,
  /** Users in PostgreSQL when set (postgres://...); in memory otherwise. */
  DATABASE_URL: durableStoreUrl("users"),
});

const sql = config.DATABASE_URL ? connectPostgres(config.DATABASE_URL, { applicationName: "api-gateway" }) : null;
if (sql) await migrate(sql);
const users: UserDirectory = sql ? new PostgresUserDirectory(sql) : new MemoryUserDirectory();

await runStandalone("api-gateway", config.GATEWAY_PORT, async (runtime) => {
  await ensureBootstrapAdmin(users, config.JTS_ADMIN_USER, config.JTS_ADMIN_PASSWORD, runtime.logger);
  const service = createGatewayService(runtime, users, gatewaySettings(config), {
    ...(sql ? { audit: new PostgresAuditLog(sql), readiness: { postgres: postgresReadiness(sql) } } : {}),
    krxSessions: krxSchedule(krxHolidaysOf(config)),
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
