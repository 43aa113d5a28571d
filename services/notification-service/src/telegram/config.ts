import { ConfigError, type ConfigOf, int, oneOf, str } from "@jts/kit";

export const TELEGRAM_DEFAULT_BASE_URL = "https://api.telegram.org";

/** The telegram alert channel's settings (TELEGRAM_BOT_TOKEN, TELEGRAM_BASE_URL, TELEGRAM_CHAT_ID). */
export interface TelegramAlertSettings {
  token: string;
  baseUrl: string;
  /** TELEGRAM_CHAT_ID, or null. */
  operatorChat: string | null;
  /** JTS_ADMIN_USER: whose rule and current rights the operator chat follows. */
  operatorUser: string;
}

/** The two-way bot's settings (the alert channel's TELEGRAM_BOT_TOKEN/TELEGRAM_BASE_URL are shared). */
export const telegramBotConfigSpec = {
  /** off: alerts only; polling: getUpdates from this process; webhook: Telegram POSTs to TELEGRAM_WEBHOOK_URL. */
  TELEGRAM_COMMANDS: oneOf(["off", "polling", "webhook"], "off"),
  /** The public https address Telegram posts to; it must reach TELEGRAM_WEBHOOK_HOST:PORT (a reverse proxy). */
  TELEGRAM_WEBHOOK_URL: str(""),
  /** Sent back by Telegram in X-Telegram-Bot-Api-Secret-Token: 16 to 256 of A-Z a-z 0-9 _ -. */
  TELEGRAM_WEBHOOK_SECRET: str(""),
  TELEGRAM_WEBHOOK_HOST: str("127.0.0.1"),
  TELEGRAM_WEBHOOK_PORT: int(3016, { min: 0, max: 65535 }),
  /** How long a /halt confirmation stays valid. */
  TELEGRAM_CONFIRM_TTL_MS: int(60_000, { min: 5_000, max: 600_000 }),
  /** How long a /link code from the app stays valid. */
  TELEGRAM_LINK_CODE_TTL_MS: int(600_000, { min: 60_000, max: 86_400_000 }),
  /** Long poll: how long Telegram holds a getUpdates open. */
  TELEGRAM_POLL_TIMEOUT_S: int(25, { min: 0, max: 50 }),
};

export type TelegramBotConfig = ConfigOf<typeof telegramBotConfigSpec> & {
  TELEGRAM_BOT_TOKEN: string;
  TELEGRAM_BASE_URL: string;
};

export interface TelegramBotSettings {
  token: string;
  baseUrl: string;
  mode: "polling" | "webhook";
  webhook?: { url: string; secret: string; hostname: string; port: number };
  confirmTtlMs: number;
  linkCodeTtlMs: number;
  pollTimeoutS: number;
  /** One refusal per unlinked chat per this long. */
  refusalIntervalMs: number;
}

/** The bot's settings, or undefined when TELEGRAM_COMMANDS is off; throws on a half-configured mode. */
export function telegramBotSettings(config: TelegramBotConfig): TelegramBotSettings | undefined {
  if (config.TELEGRAM_COMMANDS === "off") return undefined;
  if (!config.TELEGRAM_BOT_TOKEN) throw new ConfigError(["TELEGRAM_COMMANDS needs TELEGRAM_BOT_TOKEN"]);
  const base = {
    token: config.TELEGRAM_BOT_TOKEN,
    baseUrl: config.TELEGRAM_BASE_URL,
    confirmTtlMs: config.TELEGRAM_CONFIRM_TTL_MS,
    linkCodeTtlMs: config.TELEGRAM_LINK_CODE_TTL_MS,
    pollTimeoutS: config.TELEGRAM_POLL_TIMEOUT_S,
    refusalIntervalMs: 3_600_000,
  };
  if (config.TELEGRAM_COMMANDS === "polling") return { ...base, mode: "polling" };
  if (!/^https:\/\//.test(config.TELEGRAM_WEBHOOK_URL))
    throw new ConfigError(["TELEGRAM_COMMANDS=webhook needs TELEGRAM_WEBHOOK_URL (https://...)"]);
  if (!/^[A-Za-z0-9_-]{16,256}$/.test(config.TELEGRAM_WEBHOOK_SECRET))
    throw new ConfigError(["TELEGRAM_COMMANDS=webhook needs TELEGRAM_WEBHOOK_SECRET: 16-256 of A-Z a-z 0-9 _ -"]);
  return {
    ...base,
    mode: "webhook",
    webhook: {
      url: config.TELEGRAM_WEBHOOK_URL,
      secret: config.TELEGRAM_WEBHOOK_SECRET,
      hostname: config.TELEGRAM_WEBHOOK_HOST,
      port: config.TELEGRAM_WEBHOOK_PORT,
    },
  };
}
