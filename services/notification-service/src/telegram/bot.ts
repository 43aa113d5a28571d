import { type Logger, oldestKeyDropper } from "@jts/kit";
import { type BotApi, isUpdate, type TelegramUpdate } from "./bot-api.ts";
import type { Reply, TelegramCommands } from "./commands.ts";
import { type LinkBook, MAX_CHATS_PER_USER, type TelegramLink } from "./links.ts";
import type { OffsetStore } from "./offset.ts";

export const REFUSAL = "This chat is not linked to a JTS user. Ask for a code in the JTS app and send /link <code>.";
/** Chats remembered for the refusal limit; past it the oldest is forgotten. */
const MAX_REFUSED_CHATS = 10_000;
/** Refusals to all chats together per minute: many new chats at once must not spend the bot's send quota. */
const MAX_REFUSALS_PER_MINUTE = 20;

/**
 * One update in, at most one answer out. Both transports (long polling and
 * the webhook) hand every update here: it is claimed against the stored
 * offset first (handled at most once, across restarts), checked against the
 * Update schema (anything else is logged and skipped), and answered only for
 * a chat linked to a JTS user. An unlinked chat gets one polite refusal per
 * `refusalIntervalMs` and learns nothing else; `/link <code>` is the only
 * thing it can do.
 */
export class TelegramBot {
  private readonly refusedAt = new Map<number, number>();
  private readonly dropOldestRefusal = oldestKeyDropper(this.refusedAt);
  private recentRefusals: number[] = [];
  /** Updates are handled one after another (webhook requests may overlap): the offset claims never race. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: {
      api: BotApi;
      links: LinkBook;
      offset: OffsetStore;
      commands: TelegramCommands;
      logger: Logger;
      refusalIntervalMs: number;
      now?: () => number;
    },
  ) {}

  /** Never throws: a bad update or a failed answer is logged and the next update goes on. */
  handle(raw: unknown): Promise<void> {
    // handleOne catches its own failures; the catch keeps the queue alive should one ever escape.
    this.queue = this.queue.then(() => this.handleOne(raw)).catch(() => {});
    return this.queue;
  }

  private async handleOne(raw: unknown): Promise<void> {
    const { logger, offset } = this.deps;
    if (!isUpdate(raw)) {
      const id = (raw as { update_id?: unknown } | null)?.update_id;
      logger.warn("telegram update ignored: not an update the bot reads", {
        updateId: typeof id === "number" ? id : null,
      });
      // A well-numbered update of a shape we do not read still moves the offset, or polling would fetch it forever.
      if (typeof id === "number" && Number.isSafeInteger(id) && id >= 0) await offset.claim(id).catch(() => false);
      return;
    }
    try {
      if (!(await offset.claim(raw.update_id))) return;
      await this.answer(raw);
    } catch (error) {
      logger.error("telegram update failed", { updateId: raw.update_id, error: (error as Error).message });
    }
  }

  private async answer(update: TelegramUpdate): Promise<void> {
    const { api, links, commands } = this.deps;
    const query = update.callback_query;
    if (query) {
      const chatId = query.message?.chat.id;
      const link = chatId === undefined ? null : await this.currentLink(chatId);
      const code = query.data?.startsWith("halt:") ? query.data.slice(5) : null;
      if (chatId === undefined || !link || link === "unchecked" || code === null) {
        await api.answerCallbackQuery(
          query.id,
          link === "unchecked" ? "Rights cannot be checked now: try again." : undefined,
        );
        return;
      }
      const reply = await commands.confirmFromButton(chatId, link, code);
      await api.answerCallbackQuery(query.id, reply.text.slice(0, 190));
      await this.send(chatId, reply);
      return;
    }
    const message = update.message;
    if (!message?.text?.startsWith("/")) return;
    const chatId = message.chat.id;
    const [head = "", ...args] = message.text.trim().split(/\s+/);
    const name = head.slice(1).split("@")[0]?.toLowerCase() ?? "";
    const link = await links.linkOf(chatId);
    if (name === "link") {
      const redeemed = await links.redeem(chatId, args[0] ?? "").catch((error: Error) => {
        this.deps.logger.warn("telegram link not checked: the user's state could not be read", {
          error: error.message,
        });
        return null;
      });
      if (redeemed === null)
        await this.send(chatId, {
          text: "The link cannot be checked right now: send the same /link again in a minute.",
        });
      else if ("user" in redeemed)
        await this.send(chatId, { text: `Linked to ${redeemed.user}. Send /help for the commands.` });
      else if (redeemed.refused === "too-many")
        await this.send(chatId, {
          text: `That user already has ${MAX_CHATS_PER_USER} linked chats: send /unlink in one of them (or unlink all in the app) first.`,
        });
      else if (link) await this.send(chatId, { text: "That code is unknown, used or expired." });
      else await this.refuse(chatId);
      return;
    }
    if (!link) return this.refuse(chatId);
    if (name === "unlink") {
      await links.unlinkChat(chatId);
      await this.send(chatId, { text: "This chat is no longer linked." });
      return;
    }
    const current = await this.currentLink(chatId);
    if (current === "unchecked") {
      await this.send(chatId, { text: "Your rights cannot be checked right now: send the command again in a minute." });
      return;
    }
    if (!current) return this.refuse(chatId);
    const reply = await commands.run(name, { chatId, link: current, args });
    await this.send(chatId, reply ?? { text: "Unknown command. Send /help." });
  }

  /** The link with the user's rights now (commands act with them); "unchecked" when the gateway does not answer. */
  private async currentLink(chatId: number): Promise<TelegramLink | null | "unchecked"> {
    try {
      return await this.deps.links.currentLinkOf(chatId);
    } catch (error) {
      this.deps.logger.warn("telegram command refused: the user's state could not be read", {
        chatId,
        error: (error as Error).message,
      });
      return "unchecked";
    }
  }

  private async refuse(chatId: number): Promise<void> {
    const now = (this.deps.now ?? Date.now)();
    const last = this.refusedAt.get(chatId);
    if (last !== undefined && now - last < this.deps.refusalIntervalMs) return;
    this.recentRefusals = this.recentRefusals.filter((at) => now - at < 60_000);
    if (this.recentRefusals.length >= MAX_REFUSALS_PER_MINUTE) {
      this.deps.logger.warn("telegram chat not linked: refusal skipped, too many this minute", { chatId });
      return;
    }
    this.recentRefusals.push(now);
    this.refusedAt.delete(chatId);
    this.refusedAt.set(chatId, now);
    if (this.refusedAt.size > MAX_REFUSED_CHATS) this.dropOldestRefusal();
    this.deps.logger.info("telegram chat not linked: refused", { chatId });
    await this.send(chatId, { text: REFUSAL });
  }

  private send(chatId: number, reply: Reply): Promise<void> {
    return this.deps.api.sendMessage(chatId, reply.text.slice(0, 4096), reply.buttons);
  }
}
