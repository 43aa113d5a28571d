import { compile, oldestKeyDropper } from "@jts/kit";
import { t } from "elysia";

/**
 * The part of a Telegram Update the bot reads (Bot API "Update", "Message",
 * "CallbackQuery"); every other field is allowed and ignored. An update that
 * does not match is logged and skipped, never thrown through.
 */
const Chat = t.Object({ id: t.Integer() });
const Message = t.Object({ message_id: t.Integer(), chat: Chat, text: t.Optional(t.String()) });
export const TelegramUpdate = t.Object({
  update_id: t.Integer({ minimum: 0 }),
  message: t.Optional(Message),
  callback_query: t.Optional(t.Object({ id: t.String(), data: t.Optional(t.String()), message: t.Optional(Message) })),
});
export type TelegramUpdate = typeof TelegramUpdate.static;
export const isUpdate = compile(TelegramUpdate).check;

/** An inline keyboard button that answers with callback `data` (at most 64 bytes). */
export interface CallbackButton {
  text: string;
  callback_data: string;
}

/**
 * The Bot API's failure: `retryable` for 429/5xx and network errors (the poller backs off), not for a bad token.
 * `status` is the HTTP status (null when no answer came); `description` is Telegram's own, only from its JSON
 * `{ok: false}` answer (e.g. 403 "Forbidden: bot was blocked by the user"), "" from anything else (a proxy's page).
 * `retryAfterS` is Telegram's `parameters.retry_after` on a 429: no call to that chat before then.
 */
export class BotApiError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status: number | null = null,
    readonly description = "",
    readonly retryAfterS: number | null = null,
  ) {
    super(message);
  }
}

/** The longest wait a 429's retry_after imposes here; past it the call fails at once (retried later by its caller). */
const MAX_RETRY_AFTER_MS = 60_000;

/**
 * The Bot API methods the two-way bot uses. Every call is a JSON POST to
 * `<base>/bot<token>/<method>` answering `{ok, result}` or
 * `{ok: false, error_code, description}`. Errors name the method, never the
 * URL (it holds the token).
 */
export class BotApi {
  private readonly base: string;
  /** Chat id ("" for calls to no chat) -> when Telegram's last 429 lets us call it again (epoch ms). */
  private readonly pausedUntil = new Map<string, number>();
  private readonly dropOldestPause = oldestKeyDropper(this.pausedUntil);

  constructor(
    token: string,
    baseUrl: string,
    private readonly timeoutMs = 10_000,
  ) {
    this.base = `${baseUrl.replace(/\/+$/, "")}/bot${token}`;
  }

  /** Long poll: waits up to `timeoutS` on the server for updates from `offset` on. */
  async getUpdates(offset: number, timeoutS: number, stop?: AbortSignal): Promise<unknown[]> {
    const body = { offset, timeout: timeoutS, allowed_updates: ["message", "callback_query"] };
    const result = await this.call("getUpdates", body, timeoutS * 1000 + this.timeoutMs, stop);
    if (!Array.isArray(result)) throw new BotApiError("telegram getUpdates: result is not an array", true);
    return result;
  }

  /** `chatId` is a chat's number, or a public channel's `@name` (TELEGRAM_CHAT_ID may be either). */
  async sendMessage(chatId: number | string, text: string, buttons?: CallbackButton[]): Promise<void> {
    await this.call("sendMessage", {
      chat_id: chatId,
      text,
      disable_web_page_preview: true,
      ...(buttons ? { reply_markup: { inline_keyboard: [buttons] } } : {}),
    });
  }

  async answerCallbackQuery(id: string, text?: string): Promise<void> {
    await this.call("answerCallbackQuery", { callback_query_id: id, ...(text ? { text } : {}) });
  }

  /**
   * Webhook mode: Telegram POSTs updates to `url` with `secret` in X-Telegram-Bot-Api-Secret-Token,
   * one at a time (max_connections 1), so they arrive in update_id order as the stored offset expects.
   */
  async setWebhook(url: string, secret: string): Promise<void> {
    await this.call("setWebhook", {
      url,
      secret_token: secret,
      max_connections: 1,
      allowed_updates: ["message", "callback_query"],
    });
  }

  /** Long polling is refused by Telegram while a webhook is set. */
  async deleteWebhook(): Promise<void> {
    await this.call("deleteWebhook", {});
  }

  private async call(method: string, body: unknown, timeoutMs = this.timeoutMs, stop?: AbortSignal): Promise<unknown> {
    const chat = String((body as { chat_id?: unknown }).chat_id ?? "");
    await this.waitOutRetryAfter(method, chat);
    const timeout = AbortSignal.timeout(timeoutMs);
    let res: Response;
    try {
      res = await fetch(`${this.base}/${method}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: stop ? AbortSignal.any([timeout, stop]) : timeout,
      });
    } catch (error) {
      throw new BotApiError(`telegram ${method}: ${(error as Error).name}`, true);
    }
    const reply = (await res.json().catch(() => null)) as {
      ok?: boolean;
      result?: unknown;
      description?: string;
      parameters?: { retry_after?: unknown };
    } | null;
    if (res.ok && reply?.ok === true) return reply.result;
    const retryable = res.status === 429 || res.status >= 500;
    const fromTelegram = reply?.ok === false;
    const description = fromTelegram ? String(reply.description ?? "").slice(0, 200) : "";
    const retryAfter = fromTelegram ? Number(reply.parameters?.retry_after) : Number.NaN;
    const retryAfterS = res.status === 429 && Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null;
    if (retryAfterS !== null) {
      this.pausedUntil.set(chat, Date.now() + retryAfterS * 1000);
      if (this.pausedUntil.size > 10_000) this.dropOldestPause();
    }
    throw new BotApiError(
      `telegram ${method}: ${res.status} ${description}`,
      retryable,
      res.status,
      description,
      retryAfterS,
    );
  }

  /** Telegram said "retry after N seconds" for this chat: the next call waits that long (refused if far longer). */
  private async waitOutRetryAfter(method: string, chat: string): Promise<void> {
    const until = this.pausedUntil.get(chat);
    if (until === undefined) return;
    const wait = until - Date.now();
    if (wait <= 0) {
      this.pausedUntil.delete(chat);
      return;
    }
    if (wait > MAX_RETRY_AFTER_MS)
      throw new BotApiError(`telegram ${method}: 429 retry_after not over (${Math.ceil(wait / 1000)} s)`, true, 429);
    await Bun.sleep(wait);
  }
}
