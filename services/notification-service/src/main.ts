import type { DocumentStore } from "@jts/contracts";
import { int, loadConfig, runStandalone, str } from "@jts/kit";
import { notificationConfigSpec, notificationSettings } from "./config.ts";
import { createNotificationService } from "./service.ts";
import { telegramBotSettings } from "./telegram/config.ts";

const config = loadConfig({
  NOTIFICATION_PORT: int(3006, { min: 0, max: 65535 }),
  /**
   * Notification rules in MongoDB when set (the stack), else in DATABASE_URL's documents table, else in
   * memory: then NOTIFY_ROUTES seeds them at every start and edits last until a restart (not refused in
   * production: alerts still flow, as before rules were stored).
   */
  MONGO_URL: str(""),
  DATABASE_URL: str(""),
  ...notificationConfigSpec,
});
const settings = notificationSettings(config);
const telegram = telegramBotSettings(config);

async function openDocuments(): Promise<DocumentStore | undefined> {
  if (config.MONGO_URL) {
    const { MongoDocumentStore } = await import("@jts/kit/mongo");
    return MongoDocumentStore.connect(config.MONGO_URL);
  }
  if (config.DATABASE_URL) {
    const { connectPostgres, migrate, PostgresDocumentStore } = await import("@jts/kit/postgres");
    const sql = connectPostgres(config.DATABASE_URL, { applicationName: "notification-service-migrate" });
    await migrate(sql);
    await sql.end({ timeout: 5 });
    return PostgresDocumentStore.connect(config.DATABASE_URL); // owns its pool: close() ends it
  }
  return undefined;
}
await runStandalone("notification-service", config.NOTIFICATION_PORT, async (runtime) => {
  // After the runtime: a service that refuses its credentials or bus connects to no database first.
  const documents = await openDocuments();
  if (!documents) runtime.logger.warn("notification rules are kept in memory: edits last until a restart", {});
  const service = createNotificationService(runtime, {
    ...settings,
    ...(documents ? { documents } : {}),
    seedUser: config.JTS_ADMIN_USER,
    ...(telegram ? { telegram } : {}),
  });
  return {
    ...service,
    async stop() {
      await service.stop();
      await documents?.close();
    },
  };
});
