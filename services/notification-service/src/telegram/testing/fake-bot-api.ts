import type { Server } from "bun";

/** What the fake recorded of one sendMessage. */
export interface SentMessage {
  chat_id: number;
  text: string;
  reply_markup?: { inline_keyboard: Array<Array<{ text: string; callback_data: string }>> };
}

/** How the fake answers one sendMessage (`status` 0: success). */
export interface Answer {
  status: number;
  description?: string;
  retryAfter?: number;
  notJson?: boolean;
}

/**
 * A local fake of the Telegram Bot API, with the documented JSON shapes
 * (https://core.telegram.org/bots/api): POST /bot<token>/<method> answering
 * `{ok: true, result}` or `{ok: false, error_code, description}`.
 * getUpdates holds the request (long poll) until an update at or past
 * `offset` is queued or `timeout` seconds pass, and forgets the updates below
 * `offset` (confirmed), as Telegram does; sendMessage, answerCallbackQuery,
 * setWebhook and deleteWebhook are recorded.
 */
export function fakeBotApi(token: string) {
  let queue: Array<{ update_id: number } & Record<string, unknown>> = [];
  let nextId = 1000;
  const waiters: Array<() => void> = [];
  const sent: SentMessage[] = [];
  const callbackAnswers: Array<{ callback_query_id: string; text?: string }> = [];
  const webhooks: Array<{ url: string; secret_token: string }> = [];
  const offsets: number[] = [];
  /** Chat id -> how its next sendMessage calls are answered (the last answer stays: a blocked chat stays blocked). */
  const scripted = new Map<number, Answer[]>();
  /** Every sendMessage asked, answered or not, in order. */
  const attempts: number[] = [];
  /** When each attempt arrived (ms), beside `attempts`. */
  const attemptTimes: number[] = [];
  /** Each sendMessage answers after this long (ms): calls then overlap and can be counted. */
  let sendDelayMs = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let deletedWebhooks = 0;
  const ok = (result: unknown) => Response.json({ ok: true, result });
  const fail = (status: number, description: string, retryAfter?: number) =>
    Response.json(
      {
        ok: false,
        error_code: status,
        description,
        ...(retryAfter ? { parameters: { retry_after: retryAfter } } : {}),
      },
      { status },
    );

  const server: Server<undefined> = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const [, bot, method] = new URL(req.url).pathname.split("/");
      if (bot !== `bot${token}`) return fail(401, "Unauthorized");
      const body = (await req.json().catch(() => ({}))) as Record<string, unknown>;
      switch (method) {
        case "getUpdates": {
          const offset = Number(body.offset ?? 0);
          offsets.push(offset);
          queue = queue.filter((u) => u.update_id >= offset);
          if (queue.length === 0 && Number(body.timeout ?? 0) > 0)
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, Number(body.timeout) * 1000);
              waiters.push(() => {
                clearTimeout(timer);
                resolve();
              });
            });
          return ok(queue.filter((u) => u.update_id >= offset));
        }
        case "sendMessage": {
          if (typeof body.chat_id !== "number" || typeof body.text !== "string")
            return fail(400, "Bad Request: chat_id and text are required");
          attempts.push(body.chat_id);
          attemptTimes.push(Date.now());
          inFlight += 1;
          maxInFlight = Math.max(maxInFlight, inFlight);
          try {
            if (sendDelayMs > 0) await Bun.sleep(sendDelayMs);
            const queued = scripted.get(body.chat_id);
            const failure = queued && queued.length > 1 ? queued.shift() : queued?.[0];
            if (failure?.notJson) return new Response("<html>403 Forbidden</html>", { status: failure.status });
            if (failure?.status) return fail(failure.status, failure.description ?? "", failure.retryAfter);
            sent.push(body as unknown as SentMessage);
            return ok({ message_id: sent.length, chat: { id: body.chat_id }, date: 0, text: body.text });
          } finally {
            inFlight -= 1;
          }
        }
        case "answerCallbackQuery":
          callbackAnswers.push(body as { callback_query_id: string; text?: string });
          return ok(true);
        case "setWebhook":
          webhooks.push(body as { url: string; secret_token: string });
          return ok(true);
        case "deleteWebhook":
          deletedWebhooks += 1;
          return ok(true);
        default:
          return fail(404, "Not Found: method not found");
      }
    },
  });

  const push = (update: Record<string, unknown>) => {
    const withId = { update_id: nextId++, ...update };
    queue.push(withId);
    for (const wake of waiters.splice(0)) wake();
    return withId;
  };

  return {
    url: `http://127.0.0.1:${server.port}`,
    sent,
    attempts,
    attemptTimes,
    /** The most sendMessage calls that were open at once. */
    get maxInFlight() {
      return maxInFlight;
    },
    /** Every sendMessage from now on answers after `ms`. */
    slowSends(ms: number) {
      sendDelayMs = ms;
    },
    callbackAnswers,
    webhooks,
    offsets,
    get deletedWebhooks() {
      return deletedWebhooks;
    },
    /** Queues an update (an id is given unless it has one), as if a user wrote to the bot. */
    push,
    /** A text message from `chatId`, as Telegram delivers it. */
    message(chatId: number, text: string) {
      return push({
        message: {
          message_id: nextId,
          date: 1_765_000_000,
          chat: { id: chatId, type: "private" },
          from: { id: chatId, is_bot: false, first_name: "T" },
          text,
        },
      });
    },
    /** A press of an inline button under a message the bot sent to `chatId`. */
    press(chatId: number, data: string) {
      return push({
        callback_query: {
          id: `cb-${nextId}`,
          from: { id: chatId, is_bot: false, first_name: "T" },
          chat_instance: "1",
          data,
          message: { message_id: 1, date: 1_765_000_000, chat: { id: chatId, type: "private" } },
        },
      });
    },
    /**
     * sendMessage to `chatId` answers these, one per call, the last one for good; `{status: 0}` is success.
     * Telegram's own: 403 "Forbidden: bot was blocked by the user", 400 "Bad Request: chat not found", 429 with
     * `retryAfter` (parameters.retry_after, seconds), 5xx; `notJson`: a page that is not Telegram's (a proxy's).
     */
    answer(chatId: number, ...answers: Answer[]) {
      scripted.set(chatId, answers);
    },
    textsTo(chatId: number) {
      return sent.filter((m) => m.chat_id === chatId).map((m) => m.text);
    },
    stop() {
      for (const wake of waiters.splice(0)) wake();
      server.stop(true);
    },
  };
}

export type FakeBotApi = ReturnType<typeof fakeBotApi>;
