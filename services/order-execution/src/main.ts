import {
  durableStoreUrl,
  InstrumentCatalog,
  int,
  loadConfig,
  oneOf,
  runStandalone,
  sessionConfigSpec,
  sessionEndFor,
  sessionsFor,
} from "@jts/kit";
import { connectPostgres, migrate } from "@jts/kit/postgres";
import { postgresOrderStorage } from "./postgres.ts";
import { parseNativeAmend, parseOrderRoutes } from "./routing.ts";
import { createOrderExecutionService } from "./service.ts";

const config = loadConfig({
  ORDER_PORT: int(3003, { min: 0, max: 65535 }),
  /** Orders in PostgreSQL when set (postgres://...); in memory otherwise. */
  DATABASE_URL: durableStoreUrl("orders"),
  /** venue:broker pairs for LIVE accounts, e.g. binance:binance,upbit:upbit,kis:kis,creon:creon (sim: paper). */
  ORDER_ROUTES: { read: (raw: string | undefined) => parseOrderRoutes(raw ?? "") },
  /** Brokers whose venue amends an order's price in place (rpc broker.<name>.amend); "none" for none. The rest cancel-replace. */
  ORDER_NATIVE_AMEND: { read: (raw: string | undefined) => parseNativeAmend(raw || "kis,creon") },
  /** An automatic HALT (daily loss, drawdown) keeps the reduce-only protective stops; "false" cancels them too. */
  HALT_KEEPS_PROTECTIVE_STOPS: oneOf(["true", "false"] as const, "true"),
  /** Reconciliation with every broker runs at start and then every this many ms (0: only at start). */
  ORDER_RECONCILE_EVERY_MS: int(30_000, { min: 0 }),
  /** OUTCOME_UNKNOWN orders: first lookup after, lookups back off up to, "not at the venue" final after (ms). */
  ORDER_LOOKUP_FIRST_MS: int(250, { min: 1 }),
  ORDER_LOOKUP_MAX_MS: int(30_000, { min: 1 }),
  ORDER_LOOKUP_GRACE_MS: int(60_000, { min: 0 }),
  /**
   * A NEW order no process routes is looked up at its venue once older than this (ms), and a restart does not
   * send one this old; at least 30 s, well beyond a route's risk and place timeouts (5 s each).
   */
  ORDER_STALE_NEW_MS: int(60_000, { min: 30_000 }),
  // The sessions risk trades by: held DAY stops end at their instrument's close (15:30 KST for KRX stocks).
  ...sessionConfigSpec,
});
const catalog = new InstrumentCatalog();
const options = {
  catalog,
  routes: config.ORDER_ROUTES,
  nativeAmend: config.ORDER_NATIVE_AMEND,
  haltKeepsProtectiveStops: config.HALT_KEEPS_PROTECTIVE_STOPS === "true",
  sessionEnd: sessionEndFor(catalog, sessionsFor(config)),
  reconcileEveryMs: config.ORDER_RECONCILE_EVERY_MS,
  staleNewMs: config.ORDER_STALE_NEW_MS,
  outcomeLookups: {
    firstLookupMs: config.ORDER_LOOKUP_FIRST_MS,
    maxLookupMs: config.ORDER_LOOKUP_MAX_MS,
    notFoundGraceMs: config.ORDER_LOOKUP_GRACE_MS,
  },
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
