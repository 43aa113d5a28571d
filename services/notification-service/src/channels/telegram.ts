import type { Alert } from "@jts/contracts";
import { alertText, type Channel } from "./channel.ts";
import { expectSuccess } from "./http-status.ts";

export const TELEGRAM_DEFAULT_BASE_URL = "https://api.telegram.org";

export interface TelegramOptions {
  botToken: string;
  chatId: string;
  /** The Bot API's address; a local fake in tests. */
  baseUrl?: string;
  timeoutMs?: number;
}

/** sendMessage of the Telegram Bot API; a 429 or 5xx is retried, a bad token or chat is not. */
export function telegramChannel({
  botToken,
  chatId,
  baseUrl = TELEGRAM_DEFAULT_BASE_URL,
  timeoutMs = 5000,
}: TelegramOptions): Channel {
  const url = `${baseUrl.replace(/\/+$/, "")}/bot${botToken}/sendMessage`;
  return {
    name: "telegram",
    async send(alert: Alert) {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ chat_id: chatId, text: alertText(alert), disable_web_page_preview: true }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      // The URL holds the token: errors name the API, never the URL.
      await expectSuccess(res, "telegram sendMessage");
    },
  };
}
