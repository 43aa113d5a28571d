import { Alert, fx } from "@jts/contracts";
import { ConfigError, type ConfigOf, DEFAULT_ADMIN_USER, int, oneOf, str } from "@jts/kit";
import { CHANNEL_NAMES, type Channel, type ChannelName } from "./channels/channel.ts";
import { emailChannel } from "./channels/smtp.ts";
import { webhookChannel } from "./channels/webhook.ts";
import type { Routes } from "./notifier.ts";
import { pushConfigSpec, vapidKeys } from "./push/config.ts";
import type { VapidKeys } from "./push/vapid.ts";
import type { RetryPolicy } from "./retry.ts";
import type { LossThresholds } from "./rules.ts";
import { TELEGRAM_DEFAULT_BASE_URL, type TelegramAlertSettings, telegramBotConfigSpec } from "./telegram/config.ts";

type AlertKind = Alert["kind"];
export const ALERT_KINDS = Alert.properties.kind.anyOf.map((s) => s.const) as AlertKind[];

/** Fills are frequent: in the app only unless routed explicitly. `*` is every configured channel. */
export const DEFAULT_ROUTES = "ORDER_REJECTED=*;TRADING_STATE=*;LOSS_THRESHOLD=*;VENUE_DISCONNECTED=*;ACCOUNT_MODE=*";

/** Every setting of the notification service; a channel is on when its address is set. */
export const notificationConfigSpec = {
  /** Whose rule NOTIFY_ROUTES seeds into an empty rule collection, and whose destination TELEGRAM_CHAT_ID is (the gateway's default). */
  JTS_ADMIN_USER: str(DEFAULT_ADMIN_USER),
  NOTIFY_WEBHOOK_URL: str(""),
  /** Signs every webhook request (HMAC-SHA256); at least 16 characters. */
  NOTIFY_WEBHOOK_SECRET: str(""),
  NOTIFY_SMTP_HOST: str(""),
  NOTIFY_SMTP_PORT: int(25, { min: 1, max: 65535 }),
  /** "implicit" for SMTPS (usually port 465); "none" only towards a relay on a trusted link. */
  NOTIFY_SMTP_TLS: oneOf(["none", "implicit"], "none"),
  NOTIFY_SMTP_FROM: str("jts@localhost"),
  /** Comma-separated recipients. */
  NOTIFY_SMTP_TO: str(""),
  NOTIFY_SMTP_USER: str(""),
  NOTIFY_SMTP_PASSWORD: str(""),
  /** Turns the telegram channel on: alerts to the users' linked chats (and TELEGRAM_CHAT_ID's). */
  TELEGRAM_BOT_TOKEN: str(""),
  /** The operator's chat: gets what JTS_ADMIN_USER's rule routes to telegram. Optional. */
  TELEGRAM_CHAT_ID: str(""),
  TELEGRAM_BASE_URL: str(TELEGRAM_DEFAULT_BASE_URL),
  ...telegramBotConfigSpec,
  /** KIND=channel,channel;KIND=* ... (kinds: ORDER_FILLED, ORDER_REJECTED, TRADING_STATE, LOSS_THRESHOLD, ...). */
  NOTIFY_ROUTES: str(DEFAULT_ROUTES),
  /** CURRENCY:amount,... e.g. KRW:100000,USDT:100: a position losing that much alerts. */
  NOTIFY_LOSS_THRESHOLDS: str(""),
  /** Same rule and key (or same event) within this time is sent once. */
  NOTIFY_DEDUPE_WINDOW_MS: int(300_000, { min: 0 }),
  NOTIFY_RETRY_ATTEMPTS: int(5, { min: 1, max: 20 }),
  NOTIFY_RETRY_BASE_MS: int(500, { min: 1 }),
  NOTIFY_RETRY_MAX_MS: int(30_000, { min: 1 }),
  ...pushConfigSpec,
};

export type NotificationConfig = ConfigOf<typeof notificationConfigSpec>;

export interface NotificationSettings {
  channels: Channel[];
  routes: Routes;
  lossThresholds: LossThresholds;
  dedupeWindowMs: number;
  retry: RetryPolicy;
  /** The telegram channel (per user, like push: built by the service); null: no telegram channel. */
  telegramAlerts: TelegramAlertSettings | null;
  /** Web Push keys; null: no push channel. */
  vapid: VapidKeys | null;
}

/** The channels, routes and limits the configuration names; throws on a half-configured channel or a bad rule. */
export function notificationSettings(config: NotificationConfig): NotificationSettings {
  const channels: Channel[] = [];
  if (config.NOTIFY_WEBHOOK_URL) {
    if (config.NOTIFY_WEBHOOK_SECRET.length < 16)
      throw new ConfigError(["NOTIFY_WEBHOOK_SECRET must be set (16+ characters) when NOTIFY_WEBHOOK_URL is"]);
    channels.push(webhookChannel({ url: config.NOTIFY_WEBHOOK_URL, secret: config.NOTIFY_WEBHOOK_SECRET }));
  }
  if (config.NOTIFY_SMTP_HOST) {
    const to = list(config.NOTIFY_SMTP_TO);
    if (to.length === 0) throw new ConfigError(["NOTIFY_SMTP_TO must name a recipient when NOTIFY_SMTP_HOST is set"]);
    channels.push(
      emailChannel({
        host: config.NOTIFY_SMTP_HOST,
        port: config.NOTIFY_SMTP_PORT,
        tls: config.NOTIFY_SMTP_TLS,
        from: config.NOTIFY_SMTP_FROM,
        to,
        ...(config.NOTIFY_SMTP_USER ? { user: config.NOTIFY_SMTP_USER, password: config.NOTIFY_SMTP_PASSWORD } : {}),
      }),
    );
  }
  // The token turns the channel on; the operator's chat is optional (the users' linked chats are the rest).
  if (config.TELEGRAM_CHAT_ID && !config.TELEGRAM_BOT_TOKEN)
    throw new ConfigError(["TELEGRAM_CHAT_ID needs TELEGRAM_BOT_TOKEN"]);
  const telegramAlerts = config.TELEGRAM_BOT_TOKEN
    ? {
        token: config.TELEGRAM_BOT_TOKEN,
        baseUrl: config.TELEGRAM_BASE_URL,
        operatorChat: config.TELEGRAM_CHAT_ID || null,
        operatorUser: config.JTS_ADMIN_USER,
      }
    : null;
  return {
    channels,
    routes: parseRoutes(config.NOTIFY_ROUTES, [
      ...channels.map((c) => c.name),
      ...(telegramAlerts ? (["telegram"] as const) : []),
    ]),
    lossThresholds: parseLossThresholds(config.NOTIFY_LOSS_THRESHOLDS),
    dedupeWindowMs: config.NOTIFY_DEDUPE_WINDOW_MS,
    retry: {
      attempts: config.NOTIFY_RETRY_ATTEMPTS,
      baseDelayMs: config.NOTIFY_RETRY_BASE_MS,
      maxDelayMs: config.NOTIFY_RETRY_MAX_MS,
    },
    telegramAlerts,
    vapid: vapidKeys(config),
  };
}

/**
 * "ORDER_REJECTED=email,telegram;TRADING_STATE=*": `*` is every configured
 * channel. A rule naming a channel that is not configured is an error, so a
 * typo does not silently drop alerts.
 */
export function parseRoutes(spec: string, configured: readonly ChannelName[]): Routes {
  const routes = new Map<AlertKind, ChannelName[]>();
  for (const rule of list(spec, ";")) {
    const [kind, targets = "", ...rest] = rule.split("=").map((s) => s.trim());
    if (rest.length > 0 || !ALERT_KINDS.includes(kind as AlertKind))
      throw new ConfigError([`notification rule "${rule}": kind must be one of ${ALERT_KINDS.join(", ")}`]);
    const names = targets === "*" ? [...configured] : list(targets);
    for (const name of names) {
      if (!CHANNEL_NAMES.includes(name as ChannelName))
        throw new ConfigError([`notification rule "${rule}": unknown channel ${name} (${CHANNEL_NAMES.join(", ")})`]);
      if (!configured.includes(name as ChannelName))
        throw new ConfigError([`notification rule "${rule}": channel ${name} is not configured`]);
    }
    routes.set(kind as AlertKind, names as ChannelName[]);
  }
  return routes;
}

/** "KRW:100000,USDT:50.5" to a threshold per currency. */
export function parseLossThresholds(spec: string): LossThresholds {
  const thresholds = new Map<string, bigint>();
  for (const entry of list(spec)) {
    const [currency = "", amount = ""] = entry.split(":").map((s) => s.trim());
    if (!/^[A-Z]{2,6}$/.test(currency) || !/^\d{1,20}(\.\d{1,9})?$/.test(amount))
      throw new ConfigError([`loss threshold "${entry}" is not CURRENCY:amount`]);
    thresholds.set(currency, fx.toFixed(amount));
  }
  return thresholds;
}

const list = (s: string, separator = ",") =>
  s
    .split(separator)
    .map((x) => x.trim())
    .filter((x) => x !== "");
