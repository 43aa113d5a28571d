export type { Channel, ChannelName } from "./channels/channel.ts";
export { emailChannel, formatMessage, type SmtpOptions, sendMail } from "./channels/smtp.ts";
export {
  DELIVERY_HEADER,
  SIGNATURE_HEADER,
  signWebhook,
  TIMESTAMP_HEADER,
  verifyWebhook,
  webhookChannel,
} from "./channels/webhook.ts";
export {
  type NotificationSettings,
  notificationConfigSpec,
  notificationSettings,
  parseLossThresholds,
  parseRoutes,
} from "./config.ts";
export { Notifier } from "./notifier.ts";
export { decryptPush, encryptPush, generateVapidKeys, type VapidKeys, VapidSigner } from "./push/index.ts";
export { PermanentError, type RetryPolicy, withRetry } from "./retry.ts";
export {
  alertForAccountMode,
  alertForFill,
  alertForLoss,
  alertForOrder,
  alertForTradingState,
  alertForVenue,
  type Notice,
} from "./rules.ts";
export { type App, createNotificationService, type NotificationOptions } from "./service.ts";
export { Suppressor } from "./suppressor.ts";
export { telegramAlertChannel } from "./telegram/alerts.ts";
export {
  type TelegramAlertSettings,
  type TelegramBotSettings,
  telegramBotConfigSpec,
  telegramBotSettings,
} from "./telegram/config.ts";
