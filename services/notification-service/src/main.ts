import { int, loadConfig, runStandalone } from "@jts/kit";
import { notificationConfigSpec, notificationSettings } from "./config.ts";
import { createNotificationService } from "./service.ts";

const config = loadConfig({ NOTIFICATION_PORT: int(3006, { min: 0, max: 65535 }), ...notificationConfigSpec });
const settings = notificationSettings(config);

await runStandalone("notification-service", config.NOTIFICATION_PORT, (runtime) =>
  createNotificationService(runtime, settings),
);
