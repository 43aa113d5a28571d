import type { Alert } from "@jts/contracts";
import type { Logger } from "@jts/kit";
import { alertText, type Channel } from "../channels/channel.ts";
import { PermanentError } from "../retry.ts";
import { type BotApi, BotApiError } from "./bot-api.ts";
import type { LinkBook, LinkedChat } from "./links.ts";

export interface TelegramAlertOptions {
  api: BotApi;
  links: LinkBook;
  /** TELEGRAM_CHAT_ID (a chat number or a public channel's `@name`); null when not set. */
  operatorChat: string | null;
  /** Whose destination the operator chat is (JTS_ADMIN_USER): it gets what that user's rule routes to telegram. */
  operatorUser: string;
  /** The users whose rule routes this alert to telegram now (not in quiet hours, or CRITICAL). */
  recipients(alert: Alert): ReadonlySet<string>;
  /** The accounts a user owns: an account's alert goes only to chats whose user may see it (admins see all). */
  accountsOf(user: string): Promise<readonly string[]>;
  logger: Logger;
}

/** One chat an alert is to reach; `linked` is absent for the operator chat (not a link: nothing to unlink). */
interface Target {
  chatId: number | string;
  user: string;
  admin: boolean;
  linked?: LinkedChat;
}

/** Telegram's own chat id form: a number when TELEGRAM_CHAT_ID is one, so it matches a linked chat's id. */
const chatIdOf = (configured: string): number | string =>
  /^-?\d{1,16}$/.test(configured) ? Number(configured) : configured;

/**
 * Whether Telegram says the chat cannot be written to any more: 403 (the user
 * blocked the bot or is deactivated, the bot left the group) or 400 "chat not
 * found" (the chat was deleted). Another 400 is a fault of the message, not of the chat.
 */
export const isChatGone = (error: unknown): boolean =>
  error instanceof BotApiError &&
  (error.status === 403 || (error.status === 400 && /chat not found/i.test(error.description)));

/**
 * Telegram alerts to each user's own chats, as Web Push goes to each user's
 * devices: an alert goes to the chats linked to the users whose rule routes
 * it to telegram, an account's alert only when the chat's user may see the
 * account. The operator chat (TELEGRAM_CHAT_ID) is the destination of
 * `operatorUser`'s rule. A CRITICAL alert that no rule routes goes to the
 * operator chat and to every admin's linked chat. One chat gets one copy of
 * an alert, however many ways lead to it; a retry sends only to the chats
 * not reached yet; a chat Telegram calls gone is unlinked.
 */
export function telegramAlertChannel(options: TelegramAlertOptions): Channel {
  const { api, links, logger, operatorUser } = options;
  const operatorChat = options.operatorChat ? chatIdOf(options.operatorChat) : null;
  /** Alert id -> chats already reached, for retries of the same alert; bounded. */
  const reached = new Map<string, Set<string>>();

  const targetsOf = async (alert: Alert): Promise<Target[]> => {
    const users = options.recipients(alert);
    // Nobody routes it, yet it is here: the rule book sends an unrouted CRITICAL alert to every channel.
    const unrouted = users.size === 0 && alert.severity === "CRITICAL";
    const targets = new Map<string, Target>();
    if (operatorChat !== null && (unrouted || users.has(operatorUser)))
      targets.set(String(operatorChat), { chatId: operatorChat, user: operatorUser, admin: true });
    for (const linked of await links.chats()) {
      const { user, role } = linked.link;
      const wanted = unrouted ? role === "admin" : users.has(user);
      if (wanted && !targets.has(String(linked.chatId)))
        targets.set(String(linked.chatId), { chatId: linked.chatId, user, admin: role === "admin", linked });
    }
    return [...targets.values()];
  };

  const visible = async (alert: Alert, target: Target, owned: Map<string, Promise<readonly string[]>>) => {
    if (alert.account === null || target.admin) return true;
    try {
      const accounts = owned.get(target.user) ?? options.accountsOf(target.user);
      owned.set(target.user, accounts);
      return (await accounts).includes(alert.account);
    } catch (error) {
      // Unknown ownership: withhold rather than show one user another's account.
      logger.warn("telegram alert withheld: the user's accounts could not be read", {
        user: target.user,
        error: (error as Error).message,
      });
      return false;
    }
  };

  const sendOne = async (target: Target, text: string): Promise<void> => {
    try {
      await api.sendMessage(target.chatId, text);
    } catch (error) {
      if (target.linked && isChatGone(error)) {
        await links.forget(target.linked);
        return;
      }
      if (error instanceof BotApiError && !error.retryable) throw new PermanentError(error.message);
      throw error;
    }
  };

  return {
    name: "telegram",
    async send(alert: Alert) {
      const done = reached.get(alert.id) ?? new Set<string>();
      reached.set(alert.id, done);
      if (reached.size > 1000) reached.delete(reached.keys().next().value as string);
      // The links are read at every try (a store that does not answer is a failure that may pass: retried).
      const targets = (await targetsOf(alert)).filter((t) => !done.has(String(t.chatId)));
      const text = alertText(alert).slice(0, 4096);
      const owned = new Map<string, Promise<readonly string[]>>();
      const failures: Error[] = [];
      await Promise.all(
        targets.map(async (target) => {
          try {
            if (!(await visible(alert, target, owned))) return;
            await sendOne(target, text);
            done.add(String(target.chatId));
          } catch (error) {
            failures.push(error as Error);
          }
        }),
      );
      if (failures.length === 0) {
        reached.delete(alert.id);
        return;
      }
      const message = `${failures.length} of ${targets.length} telegram deliveries failed: ${failures[0]?.message}`;
      // Retry only when some failure may pass; refused ones stay refused.
      if (failures.every((f) => f instanceof PermanentError)) {
        reached.delete(alert.id);
        throw new PermanentError(message);
      }
      throw new Error(message);
    },
  };
}
