import type { DocumentStore } from "@jts/contracts";
import { durableStoreUrl, int, loadConfig, oneOf, runStandalone, str } from "@jts/kit";
import { defaultStrategies } from "./defaults.ts";
import { createStrategyService } from "./service.ts";

const config = loadConfig({
  STRATEGY_PORT: int(3001, { min: 0, max: 65535 }),
  STRATEGIES: oneOf(["on", "off"] as const, "on"),
  STRATEGY_COOLDOWN_MS: int(5000, { min: 0 }),
  /** Strategy definitions in MongoDB when set, else in PostgreSQL (JSONB) when DATABASE_URL is set, else in memory. */
  MONGO_URL: str(""),
  DATABASE_URL: durableStoreUrl("strategies and their state"),
});

async function openDocuments(): Promise<DocumentStore | undefined> {
  if (config.MONGO_URL) {
    const { MongoDocumentStore } = await import("@jts/kit/mongo");
    return MongoDocumentStore.connect(config.MONGO_URL);
  }
  if (config.DATABASE_URL) {
    const { connectPostgres, migrate, PostgresDocumentStore } = await import("@jts/kit/postgres");
    const sql = connectPostgres(config.DATABASE_URL, { applicationName: "strategy-engine-migrate" });
    await migrate(sql);
    await sql.end({ timeout: 5 });
    return PostgresDocumentStore.connect(config.DATABASE_URL); // owns its pool: close() ends it
  }
  return undefined;
}

const documents = await openDocuments();

await runStandalone("strategy-engine", config.STRATEGY_PORT, (runtime) => {
  const service = createStrategyService(runtime, {
    strategies: defaultStrategies("paper-main").map((s) => ({ ...s, enabled: config.STRATEGIES === "on" })),
    cooldownMs: config.STRATEGY_COOLDOWN_MS,
    documents,
  });
  return {
    ...service,
    async stop() {
      await service.stop();
      await documents?.close();
    },
  };
});
