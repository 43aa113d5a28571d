import type { Alert, UserStateReply } from "@jts/contracts";
import { type Logger, oldestKeyDropper } from "@jts/kit";
import { alertText, type Channel } from "../channels/channel.ts";
import { PermanentError } from "../retry.ts";
import { type BotApi, BotApiError } from "./bot-api.ts";
import type { LinkBook, LinkedChat, UserStateLookup } from "./links.ts";
import { SendQueue } from "./send-queue.ts";

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
  /** A user's role and disabled flag now: a link's stored role is not trusted for what a chat may see. */
  userState: UserStateLookup;
  logger: Logger;
  /** sendMessage calls in flight at once, over all alerts (5 by default). */
  concurrency?: number;
}

/** One chat an alert may reach; `linked` is absent for the operator chat (not a link: nothing to unlink). */
interface Target {
  chatId: number | string;
  user: string;
  operator: boolean;
  linked?: LinkedChat;
}

/** What a target's user may do with this alert now: see it, and whether they are an admin. */
interface Access {
  target: Target;
  visible: boolean;
  admin: boolean;
}

/** Telegram's own chat id form: a number when TELEGRAM_CHAT_ID is one, so it matches a linked chat's id. */
const chatIdOf = (configured: string): number | string =>
  /^-?\d{1,16}$/.test(configured) ? Number(configured) : configured;

/** Telegram's descriptions (403 or 400) of a chat that cannot be written to any more. */
const GONE = [
  /bot was blocked by the user/i,
  /user is deactivated/i,
  /bot was kicked/i,
  /chat not found/i,
  /the group chat was deleted/i,
];

/**
 * Whether Telegram itself (its JSON `{ok: false}` answer) says the chat is
 * gone: the user blocked the bot or was deactivated, the bot was kicked, the
 * chat was deleted. Any other 403/400 (a proxy's page, "not enough rights",
 * a message too long) is a refusal of this message, not a reason to unlink.
 */
export const isChatGone = (error: unknown): boolean =>
  error instanceof BotApiError &&
  (error.status === 403 || error.status === 400) &&
  GONE.some((gone) => gone.test(error.description));

/**
 * Telegram alerts to each user's own chats, as Web Push goes to each user's
 * devices: an alert goes to the chats linked to the users whose rule routes
 * it to telegram, an account's alert only when the chat's user may see the
 * account now (their current role, asked of the gateway; a disabled user's
 * chats get nothing). The operator chat (TELEGRAM_CHAT_ID) is the destination
 * of `operatorUser`'s rule, with that user's current rights for account alerts.
 * A CRITICAL alert that reaches neither the operator chat nor an admin's chat
 * by the rules (say only a viewer routes it, or its account is not the
 * viewer's) also goes to the operator chat and to every admin's linked chat.
 * One chat gets one copy of an alert, however many ways lead to it; a retry
 * sends only to the chats not reached yet; a chat Telegram calls gone is
 * unlinked. At most `concurrency` sendMessage calls run at once, CRITICAL first.
 */
export function telegramAlertChannel(options: TelegramAlertOptions): Channel {
  const { api, links, logger, operatorUser } = options;
  const operatorChat = options.operatorChat ? chatIdOf(options.operatorChat) : null;
  const queue = new SendQueue(options.concurrency ?? 5);
  /** Alert id -> chats already reached, for retries of the same alert; bounded. */
  const reached = new Map<string, Set<string>>();
  const dropOldestReached = oldestKeyDropper(reached);

  /** One alert's lookups: each user's state and accounts asked once, however many chats they have. */
  const lookups = () => {
    const states = new Map<string, Promise<UserStateReply>>();
    const owned = new Map<string, Promise<readonly string[]>>();
    const once = <T>(memo: Map<string, Promise<T>>, user: string, ask: (user: string) => Promise<T>) => {
      const known = memo.get(user) ?? ask(user);
      memo.set(user, known);
      return known;
    };
    return {
      state: (user: string) => once(states, user, options.userState),
      owns: async (user: string, account: string) => (await once(owned, user, options.accountsOf)).includes(account),
    };
  };

  /** Throws when the user's state or accounts cannot be read: the target is then withheld and retried. */
  const accessOf = async (alert: Alert, target: Target, ask: ReturnType<typeof lookups>): Promise<Access> => {
    // The operator chat is the platform's: platform-wide alerts whatever becomes of its user.
    if (target.operator && alert.account === null) return { target, visible: true, admin: false };
    const state = await ask.state(target.user);
    if (!state || state.disabled) return { target, visible: false, admin: false };
    const admin = state.role === "admin";
    const visible = alert.account === null || admin || (await ask.owns(target.user, alert.account));
    return { target, visible, admin };
  };

  /** The chats to send to now, and the failures to look up who may see the alert (retried). */
  const targetsOf = async (alert: Alert) => {
    const users = options.recipients(alert);
    const critical = alert.severity === "CRITICAL";
    const operator: Target | null =
      operatorChat === null ? null : { chatId: operatorChat, user: operatorUser, operator: true };
    const routed: Target[] = operator && users.has(operatorUser) ? [operator] : [];
    const fallback: Target[] = critical && operator ? [operator] : [];
    // A CRITICAL alert may fall back to every admin's chats: all links are read; otherwise only the recipients'.
    for (const linked of await links.chatsOf(critical ? null : users)) {
      const target = { chatId: linked.chatId, user: linked.link.user, operator: false, linked };
      if (users.has(target.user)) routed.push(target);
      else if (linked.link.role === "admin") fallback.push(target); // its role now is checked below
    }
    const ask = lookups();
    const settle = (targets: Target[]) =>
      Promise.allSettled(
        targets.map((target) =>
          accessOf(alert, target, ask).catch((error: Error) => {
            // Unknown rights: withheld (never shown to someone who may not see it), and retried.
            logger.warn("telegram alert withheld: the user's rights or accounts could not be read", {
              user: target.user,
              error: error.message,
            });
            throw error;
          }),
        ),
      );
    const [byRule, byFallback] = await Promise.all([settle(routed), settle(fallback)]);
    const sendTo = (settled: PromiseSettledResult<Access>[], admitted: (a: Access) => boolean) =>
      settled.flatMap((r) => (r.status === "fulfilled" && r.value.visible && admitted(r.value) ? [r.value] : []));
    const ruled = sendTo(byRule, () => true);
    // Decided by who can receive it, not by whether a rule matched: a viewer's rule must not silence the operator.
    const unreached = critical && !ruled.some((a) => a.admin || a.target.operator);
    const chosen = [...ruled, ...(unreached ? sendTo(byFallback, (a) => a.admin || a.target.operator) : [])];
    const lookupFailures = [...byRule, ...(unreached ? byFallback : [])].flatMap((r) =>
      r.status === "rejected" ? [r.reason as Error] : [],
    );
    const targets = new Map<string, Target>();
    for (const { target } of chosen)
      if (!targets.has(String(target.chatId))) targets.set(String(target.chatId), target);
    return { targets: [...targets.values()], lookupFailures };
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
      if (reached.size > 1000) dropOldestReached();
      // The links are read at every try (a store that does not answer is a failure that may pass: retried).
      const { targets: all, lookupFailures } = await targetsOf(alert);
      const targets = all.filter((t) => !done.has(String(t.chatId)));
      const text = alertText(alert).slice(0, 4096);
      const urgent = alert.severity === "CRITICAL";
      const failures: Error[] = [...lookupFailures];
      await Promise.all(
        targets.map(async (target) => {
          try {
            await queue.run(urgent, () => sendOne(target, text));
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
      const message = `${failures.length} telegram deliveries failed: ${failures[0]?.message}`;
      // Retry only when some failure may pass; refused ones stay refused.
      if (failures.every((f) => f instanceof PermanentError)) {
        reached.delete(alert.id);
        throw new PermanentError(message);
      }
      throw new Error(message);
    },
  };
}
