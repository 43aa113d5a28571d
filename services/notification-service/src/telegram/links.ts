import type { DocumentStore, TelegramLinkCode, TelegramRole, UserStateReply } from "@jts/contracts";
import { AppError, type Logger } from "@jts/kit";

/** One chat linked to one JTS user, with the role the user had when the chat was linked (alerts ask the role now). */
export interface TelegramLink {
  user: string;
  role: TelegramRole;
  linkedAt: string;
}

/** A linked chat as stored: its document's version too, so a chat found gone is unlinked only if not linked again since. */
export interface LinkedChat {
  chatId: number;
  link: TelegramLink;
  id: string;
  version: number;
}

const ROLES: readonly string[] = ["admin", "trader", "viewer"];

interface PendingCode {
  user: string;
  role: TelegramRole;
  expiresAt: number;
}

/** A user's role and disabled flag now (the gateway's rpc auth.user-state); null: no such user. Throws when nobody answers. */
export type UserStateLookup = (user: string) => Promise<UserStateReply>;

/** How many chats one user may link: each alert is sent to all of them. */
export const MAX_CHATS_PER_USER = 5;

/** What `/link <code>` did: linked the chat to `user`, or refused (unknown, used or expired code; too many chats). */
export type Redeemed = { user: string } | { refused: "unknown" | "too-many" };
const UNKNOWN: Redeemed = { refused: "unknown" };

export const LINKS_COLLECTION = "telegram-links";
export const LINK_CODES_COLLECTION = "telegram-link-codes";

const hash = (code: string) => new Bun.CryptoHasher("sha256").update(code).digest("hex");

/**
 * Which chat is which user. A user asks the gateway for a one-time code
 * (POST /api/telegram/link) and sends it to the bot as `/link <code>`; the
 * chat is then linked (document named by the chat id). Codes are stored by
 * their hash, expire, and are deleted on use (a version-checked delete, so two
 * chats racing for one code cannot both win). Any change to the user (role,
 * disabled, password: Topics.userChanged) drops their links and pending
 * codes; and a code links with the user's role at redeem time, asked of the
 * gateway (a disabled or deleted user links nothing), so a change the bus did
 * not deliver still cannot link with an old role. A user links at most
 * MAX_CHATS_PER_USER chats.
 */
export class LinkBook {
  constructor(
    private readonly documents: DocumentStore,
    private readonly logger: Logger,
    private readonly userState: UserStateLookup,
    private readonly codeTtlMs = 10 * 60_000,
    private readonly now = () => Date.now(),
    /** How long one read of the links serves the alerts that follow (a burst of fills reads them once). */
    private readonly readMaxAgeMs = 2_000,
  ) {}

  /** The last read of every link, shared by the alerts within `readMaxAgeMs`; dropped by this replica's own writes. */
  private lastRead: { at: number; chats: Promise<LinkedChat[]> } | null = null;

  async issueCode(user: string, role: TelegramRole): Promise<TelegramLinkCode> {
    const code = Buffer.from(crypto.getRandomValues(new Uint8Array(9))).toString("base64url");
    const expiresAt = this.now() + this.codeTtlMs;
    await this.documents.create<PendingCode>(LINK_CODES_COLLECTION, hash(code), { user, role, expiresAt });
    return { code, expiresAt: new Date(expiresAt).toISOString() };
  }

  /**
   * Links the chat when the code is known and fresh and its user still enabled, with the role they have now.
   * Throws when the user's state cannot be read (the code stays: the same `/link` may be sent again).
   */
  async redeem(chatId: number, code: string): Promise<Redeemed> {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(code)) return UNKNOWN;
    const pending = await this.documents.findByName<PendingCode>(LINK_CODES_COLLECTION, hash(code));
    if (!pending) return UNKNOWN;
    const { user } = pending.body;
    const usable = pending.body.expiresAt > this.now() ? await this.userState(user) : null;
    if (!usable || usable.disabled) {
      await this.documents.delete(LINK_CODES_COLLECTION, pending.id, pending.version).catch(() => {});
      return UNKNOWN;
    }
    const others = (await this.readChats()).filter((c) => c.link.user === user && c.chatId !== chatId);
    if (others.length >= MAX_CHATS_PER_USER) return { refused: "too-many" };
    try {
      await this.documents.delete(LINK_CODES_COLLECTION, pending.id, pending.version);
    } catch (error) {
      if (error instanceof AppError && (error.code === "CONFLICT" || error.code === "NOT_FOUND")) return UNKNOWN;
      throw error;
    }
    const link: TelegramLink = { user, role: usable.role, linkedAt: new Date(this.now()).toISOString() };
    const existing = await this.documents.findByName<TelegramLink>(LINKS_COLLECTION, String(chatId));
    if (existing) await this.documents.update(LINKS_COLLECTION, existing.id, existing.version, link);
    else await this.documents.create(LINKS_COLLECTION, String(chatId), link);
    this.lastRead = null;
    this.logger.info("telegram chat linked", { user, chatId });
    return { user };
  }

  async linkOf(chatId: number): Promise<TelegramLink | null> {
    return (await this.documents.findByName<TelegramLink>(LINKS_COLLECTION, String(chatId)))?.body ?? null;
  }

  /**
   * The chat's link with the user's role now, for a command: the stored role is
   * only as fresh as the last userChanged this replica saw. A disabled or
   * deleted user's chat is unlinked (null). Throws when the state cannot be read.
   */
  async currentLinkOf(chatId: number): Promise<TelegramLink | null> {
    const link = await this.linkOf(chatId);
    if (!link) return null;
    const state = await this.userState(link.user);
    if (state && !state.disabled) return { ...link, role: state.role };
    await this.unlinkChat(chatId);
    return null;
  }

  /** The user changed (role, disabled, password): their links and the codes not used yet are dropped. */
  async userChanged(user: string): Promise<void> {
    for (const doc of await this.documents.list<PendingCode>(LINK_CODES_COLLECTION))
      if (doc.body.user === user)
        await this.documents.delete(LINK_CODES_COLLECTION, doc.id, doc.version).catch(() => {});
    await this.unlinkUser(user);
  }

  /** Forgets every chat linked to the user; how many. */
  async unlinkUser(user: string): Promise<number> {
    let unlinked = 0;
    for (const doc of await this.documents.list<TelegramLink>(LINKS_COLLECTION)) {
      if (doc.body.user !== user) continue;
      await this.documents.delete(LINKS_COLLECTION, doc.id, doc.version).catch(() => {});
      unlinked += 1;
    }
    this.lastRead = null;
    if (unlinked) this.logger.info("telegram links dropped", { user, unlinked });
    return unlinked;
  }

  async unlinkChat(chatId: number): Promise<boolean> {
    const doc = await this.documents.findByName<TelegramLink>(LINKS_COLLECTION, String(chatId));
    if (!doc) return false;
    await this.documents.delete(LINKS_COLLECTION, doc.id, doc.version);
    this.lastRead = null;
    return true;
  }

  /**
   * The chats linked to these users (null: every user's). The store has no
   * query by field, so every link is read, at most once per `readMaxAgeMs`
   * for all alerts together: a link or unlink made through another replica
   * counts within that time, one made here at once. What a chat may see is
   * decided at send time from the user's rights now, not from this read.
   */
  async chatsOf(users: ReadonlySet<string> | null): Promise<LinkedChat[]> {
    const now = this.now();
    if (!this.lastRead || now - this.lastRead.at >= this.readMaxAgeMs) {
      const chats = this.readChats();
      this.lastRead = { at: now, chats };
      // A store that did not answer is asked again by the next alert, not remembered.
      chats.catch(() => {
        if (this.lastRead?.chats === chats) this.lastRead = null;
      });
    }
    const all = await this.lastRead.chats;
    return users ? all.filter((c) => users.has(c.link.user)) : all;
  }

  /** Every link in the store now; a document that is not a link (a hand edit) is skipped and logged, never sent to. */
  private async readChats(): Promise<LinkedChat[]> {
    const chats: LinkedChat[] = [];
    for (const doc of await this.documents.list<TelegramLink>(LINKS_COLLECTION)) {
      const chatId = Number(doc.name);
      if (!Number.isSafeInteger(chatId) || typeof doc.body?.user !== "string" || !ROLES.includes(doc.body.role)) {
        this.logger.warn("telegram link skipped: the stored document is not a link", { id: doc.id });
        continue;
      }
      chats.push({ chatId, link: doc.body, id: doc.id, version: doc.version });
    }
    return chats;
  }

  /** Telegram says the chat is gone (bot blocked, chat deleted): unlink it, unless it was linked again meanwhile. */
  async forget(chat: LinkedChat): Promise<void> {
    try {
      await this.documents.delete(LINKS_COLLECTION, chat.id, chat.version);
      this.lastRead = null;
      this.logger.info("telegram chat unlinked: Telegram says it is gone", {
        user: chat.link.user,
        chatId: chat.chatId,
      });
    } catch (error) {
      // Unlinked by another replica, or linked again since (new version): either way nothing to do.
      if (!(error instanceof AppError && (error.code === "NOT_FOUND" || error.code === "CONFLICT"))) throw error;
    }
  }

  /** Expired codes are deleted now and then, so the collection does not grow. */
  async sweepCodes(): Promise<void> {
    for (const doc of await this.documents.list<PendingCode>(LINK_CODES_COLLECTION))
      if (doc.body.expiresAt <= this.now())
        await this.documents.delete(LINK_CODES_COLLECTION, doc.id, doc.version).catch(() => {});
  }
}
