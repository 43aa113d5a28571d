import {
  durableStoreUrl,
  InstrumentCatalog,
  int,
  loadConfig,
  runStandalone,
  sessionConfigSpec,
  sessionEndFor,
  sessionsFor,
} from "@jts/kit";
import { connectPostgres, migrate } from "@jts/kit/postgres";
import { postgresOrderStorage } from "./postgres.ts";
import { parseOrderRoutes } from "./routing.ts";
import { createOrderExecutionService } from "./service.ts";

const config = loadConfig({
  ORDER_PORT: int(3003, { min: 0, max: 65535 }),
  /** Orders in PostgreSQL when set (postgres://...); in memory otherwise. */
  DATABASE_URL: durableStoreUrl("orders"),
  /** venue:broker pairs for LIVE accounts, e.g. binance:binance,upbit:upbit,kis:kis,creon:creon (sim: paper). */
  ORDER_ROUTES: { read: (raw: string | undefined) => parseOrderRoutes(raw ?? "") },
  // The sessions risk trades by: held DAY stops end at their instrument's close (15:30 KST for KRX stocks).
  ...sessionConfigSpec,
});
const catalog = new InstrumentCatalog();
const options = {
  catalog,
  routes: config.ORDER_ROUTES,
  sessionEnd: sessionEndFor(catalog, sessionsFor(config)),
};

const sql = config.DATABASE_URL ? connectPostgres(config.DATABASE_URL, { applicationName: "order-execution" }) : null;
if (sql) await migrate(sql);

await runStandalone("order-execution", config.ORDER_PORT, (runtime) => {
  if (!sql) return createOrderExecutionService(runtime, options);
  const service = createOrderExecutionService(runtime, { ...options, ...postgresOrderStorage(sql, runtime) });
  return {
    ...service,
    async stop() {
      await service.stop();
      await sql.end({ timeout: 5 });
    },
  };
});
