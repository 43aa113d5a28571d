import type { DocumentStore } from "@jts/contracts";
import { durableStoreUrl, int, loadConfig, runStandalone, str } from "@jts/kit";
import { notificationConfigSpec, notificationSettings } from "./config.ts";
import { createNotificationService } from "./service.ts";

const config = loadConfig({
  NOTIFICATION_PORT: int(3006, { min: 0, max: 65535 }),
  /** Notification rules in MongoDB when set (the stack), else in DATABASE_URL's documents table, else in memory. */
  MONGO_URL: str(""),
  DATABASE_URL: durableStoreUrl("notification rules"),
  /** Whose rule NOTIFY_ROUTES seeds into an empty rule collection. */
  JTS_ADMIN_USER: str("admin"),
  ...notificationConfigSpec,
});
const settings = notificationSettings(config);

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
const documents = await openDocuments();

await runStandalone("notification-service", config.NOTIFICATION_PORT, (runtime) => {
  const service = createNotificationService(runtime, {
    ...settings,
    ...(documents ? { documents } : {}),
    seedUser: config.JTS_ADMIN_USER,
  });
  return {
    ...service,
    async stop() {
      await service.stop();
      await documents?.close();
    },
  };
});
