import { timingSafeEqual } from "node:crypto";
import type { Logger } from "@jts/kit";
import type { TelegramBot } from "./bot.ts";
import { type BotApi, BotApiError } from "./bot-api.ts";
import type { OffsetStore } from "./offset.ts";

export const SECRET_HEADER = "x-telegram-bot-api-secret-token";
export const WEBHOOK_PATH = "/telegram/webhook";
/** Telegram's updates are small; anything larger is not one. */
const MAX_BODY_BYTES = 1 << 20;

/**
 * Long polling: getUpdates from the stored offset, each update handed to the
 * bot in order, then the next poll. Failures back off (1 s doubling to 60 s);
 * a refusal that will not pass by itself (bad token, a webhook still set) is
 * logged as an error each time. Only one process may poll a bot (Telegram
 * answers 409 to a second one).
 */
export function startPolling(deps: {
  api: BotApi;
  bot: TelegramBot;
  offset: OffsetStore;
  logger: Logger;
  timeoutS: number;
  sleep?: (ms: number) => Promise<void>;
}): { stop(): Promise<void> } {
  const { api, bot, offset, logger } = deps;
  const sleep = deps.sleep ?? ((ms: number) => Bun.sleep(ms));
  const abort = new AbortController();
  let backoffMs = 1000;
  const loop = (async () => {
    while (!abort.signal.aborted) {
      try {
        const updates = await api.getUpdates(offset.current, deps.timeoutS, abort.signal);
        for (const update of updates) {
          if (abort.signal.aborted) break;
          await bot.handle(update);
        }
        backoffMs = 1000;
      } catch (error) {
        if (abort.signal.aborted) break;
        const retryable = error instanceof BotApiError ? error.retryable : true;
        (retryable ? logger.warn : logger.error).call(logger, "telegram getUpdates failed", {
          error: (error as Error).message,
          retryInMs: backoffMs,
        });
        await sleep(backoffMs);
        backoffMs = Math.min(backoffMs * 2, 60_000);
      }
    }
  })();
  return {
    async stop() {
      abort.abort();
      await loop;
    },
  };
}

/**
 * Webhook mode: a listener of its own (not the service's internal port, which
 * wants the service credential), taking POST /telegram/webhook only with the
 * secret set by setWebhook in X-Telegram-Bot-Api-Secret-Token (401 without,
 * compared in constant time). A body that is not JSON is 400 and logged;
 * everything else is handed to the bot and answered 200, so Telegram does not
 * resend it (a resend is dropped anyway by the stored offset).
 */
export function webhookHandler(deps: { bot: TelegramBot; secret: string; logger: Logger }) {
  const expected = Buffer.from(deps.secret);
  const secretMatches = (given: string | null) => {
    if (given === null) return false;
    const actual = Buffer.from(given);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  };
  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    if (url.pathname !== WEBHOOK_PATH) return new Response("not found", { status: 404 });
    if (request.method !== "POST") return new Response("method not allowed", { status: 405 });
    if (!secretMatches(request.headers.get(SECRET_HEADER))) {
      deps.logger.warn("telegram webhook refused: wrong or missing secret token", {});
      return new Response("unauthorized", { status: 401 });
    }
    const text = await request.text();
    if (text.length > MAX_BODY_BYTES) return new Response("too large", { status: 413 });
    let update: unknown;
    try {
      update = JSON.parse(text);
    } catch {
      deps.logger.warn("telegram webhook body is not JSON: ignored", { bytes: text.length });
      return new Response("body is not JSON", { status: 400 });
    }
    await deps.bot.handle(update);
    return Response.json({ ok: true });
  };
}
