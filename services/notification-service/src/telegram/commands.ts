import { fx, type Order, type RiskStatus, Subjects, type TradingState, type VenueStatus } from "@jts/contracts";
import { AppError, type RpcClient } from "@jts/kit";
import type { CallbackButton } from "./bot-api.ts";
import type { Confirmations } from "./confirmations.ts";
import type { TelegramLink } from "./links.ts";

/** What the bot says back: text, and inline buttons (the /halt confirmation). */
export interface Reply {
  text: string;
  buttons?: CallbackButton[];
}

export interface CommandContext {
  chatId: number;
  link: TelegramLink;
  args: string[];
}

const OPEN: ReadonlySet<Order["status"]> = new Set(["NEW", "OUTCOME_UNKNOWN", "ACCEPTED", "PARTIALLY_FILLED"]);
/** Telegram refuses messages over 4096 characters: lists are cut well before. */
const MAX_LINES = 40;
const MAX_TEXT = 3800;

export const HELP = [
  "/status: trading state, open orders, venues",
  "/positions: open positions",
  "/pnl: realized and unrealized P&L per currency, and today's",
  "/orders: open orders",
  "/halt [account]: stop trading (asks to confirm)",
  "/resume [account]: trade again (admins)",
  "/link <code>: link this chat to your JTS user (code from the app)",
  "/unlink: forget this chat",
].join("\n");

/**
 * The commands, each acting as the linked user with the same rules as the
 * gateway's routes (services/api-gateway/src/routes/risk.ts, portfolio.ts,
 * orders.ts): reads see the user's own accounts (an admin's: all); a trader
 * halts their own accounts, an admin anything; only an admin resumes. The
 * rpc carries the user as its actor, so the risk service audits them.
 */
export function telegramCommands(deps: {
  call: RpcClient["call"];
  confirmations: Confirmations;
  venues: () => ReadonlyMap<string, VenueStatus>;
}) {
  const { call, confirmations } = deps;

  const accountsOf = async (link: TelegramLink): Promise<string[] | undefined> =>
    link.role === "admin" ? undefined : (await call(Subjects.accounts, { owner: link.user })).map((a) => a.id);

  const ownStatus = async (link: TelegramLink, status?: RiskStatus): Promise<RiskStatus> => {
    const s = status ?? (await call(Subjects.riskStatus));
    const accounts = await accountsOf(link);
    return accounts && s.accounts ? { ...s, accounts: s.accounts.filter((a) => accounts.includes(a.account)) } : s;
  };

  const openOrders = async (link: TelegramLink) =>
    (await call(Subjects.orderList, { accounts: await accountsOf(link) })).filter((o) => OPEN.has(o.status));

  /** One rpc per scope, in order; a failure says which scopes changed before it (the rest may not have). */
  const setState = async (link: TelegramLink, state: TradingState, accounts: string[] | null, reason: string) => {
    const done: string[] = [];
    for (const account of accounts ?? [null]) {
      try {
        await call(Subjects.riskSetState, { state, account, reason, cancelOpenOrders: false }, { actor: link.user });
      } catch (error) {
        const message = (error as Error).message;
        throw error instanceof AppError
          ? new AppError(error.code, `${message}${done.length ? ` (${state} so far: ${done.join(", ")})` : ""}`)
          : error;
      }
      done.push(account ?? "the platform");
    }
    return done.join(", ");
  };

  /** What /halt would halt for this user, or why they may not. */
  const haltScope = async (link: TelegramLink, account: string | undefined): Promise<string[] | null | string> => {
    if (link.role === "viewer") return "Viewers cannot change the trading state.";
    if (link.role === "admin") return account ? [account] : null;
    const own = (await accountsOf(link)) ?? [];
    if (account) return own.includes(account) ? [account] : `No access to account ${account}.`;
    return own.length ? own : "You have no accounts to halt.";
  };

  async function halt({ chatId, link, args }: CommandContext): Promise<Reply> {
    if (args[0] === "confirm") return confirmHalt(chatId, link, args[1] ?? "");
    const scope = await haltScope(link, args[0]);
    if (typeof scope === "string") return { text: scope };
    const { code, expiresInS } = confirmations.open({ chatId, user: link.user, accounts: scope });
    return {
      text: `Halt ${scope ? scope.join(", ") : "the whole platform"}? Confirm within ${expiresInS} s: press the button or send /halt confirm ${code}`,
      buttons: [{ text: "Confirm HALT", callback_data: `halt:${code}` }],
    };
  }

  async function confirmHalt(chatId: number, link: TelegramLink, code: string): Promise<Reply> {
    const pending = confirmations.take(chatId, code);
    if (pending === "expired") return { text: "That confirmation expired. Send /halt again." };
    if (!pending || pending.user !== link.user) return { text: "Unknown or used confirmation. Send /halt again." };
    // Rights are checked again: the user's accounts may have changed since the prompt.
    const own = await accountsOf(link);
    if (own && (pending.accounts === null || pending.accounts.some((a) => !own.includes(a))))
      return { text: "No access to one of those accounts any more. Send /halt again." };
    const done = await setState(link, "HALTED", pending.accounts, `halted from Telegram by ${link.user}`);
    return { text: `HALTED: ${done}.` };
  }

  async function resume({ link, args }: CommandContext): Promise<Reply> {
    if (link.role !== "admin") return { text: "Only an admin can resume trading." };
    const done = await setState(link, "ACTIVE", args[0] ? [args[0]] : null, `resumed from Telegram by ${link.user}`);
    return { text: `ACTIVE: ${done}.` };
  }

  async function status({ link }: CommandContext): Promise<Reply> {
    const [risk, orders] = await Promise.all([ownStatus(link), openOrders(link)]);
    const lines = [`Platform: ${risk.state}${risk.reason ? ` (${risk.reason})` : ""}`];
    for (const a of risk.accounts ?? []) lines.push(`${a.account}: ${a.state}`);
    lines.push(`Open orders: ${orders.length}`);
    const venues = [...deps.venues().values()];
    lines.push(
      venues.length
        ? `Venues: ${venues.map((v) => `${v.venue} ${v.connected ? "up" : `DOWN (${v.reason})`}`).join(", ")}`
        : "Venues: no reports since the bot started",
    );
    return { text: lines.join("\n") };
  }

  async function positions({ link }: CommandContext): Promise<Reply> {
    const open = (await call(Subjects.positions, { accounts: await accountsOf(link) })).filter(
      (p) => fx.toFixed(p.quantity) !== 0n,
    );
    if (!open.length) return { text: "No open positions." };
    return {
      text: cut(
        open.map(
          (p) =>
            `${p.account} ${p.symbol}: ${p.quantity} @ ${p.averagePrice} ${p.currency}, last ${p.lastPrice ?? "-"}, unrealized ${p.unrealizedPnl}`,
        ),
      ),
    };
  }

  async function pnl({ link }: CommandContext): Promise<Reply> {
    const [all, risk] = await Promise.all([
      call(Subjects.positions, { accounts: await accountsOf(link) }),
      ownStatus(link),
    ]);
    const sums = new Map<string, { realized: bigint; unrealized: bigint; today: bigint | null }>();
    const sum = (currency: string) => {
      const s = sums.get(currency) ?? { realized: 0n, unrealized: 0n, today: null };
      sums.set(currency, s);
      return s;
    };
    for (const p of all) {
      const s = sum(p.currency);
      s.realized += fx.toFixed(p.realizedPnl);
      s.unrealized += fx.toFixed(p.unrealizedPnl);
    }
    // Today's figure is the risk service's: realized + unrealized since the account's trading day began.
    for (const a of risk.accounts ?? [])
      for (const c of a.currencies ?? (a.currency ? [{ currency: a.currency, dailyPnl: a.dailyPnl }] : [])) {
        const s = sum(c.currency);
        s.today = (s.today ?? 0n) + fx.toFixed(c.dailyPnl);
      }
    if (!sums.size) return { text: "No P&L yet." };
    return {
      text: [...sums]
        .map(
          ([currency, s]) =>
            `${currency}: realized ${fx.fromFixed(s.realized)}, unrealized ${fx.fromFixed(s.unrealized)}, today ${s.today === null ? "-" : fx.fromFixed(s.today)}`,
        )
        .join("\n"),
    };
  }

  async function orders({ link }: CommandContext): Promise<Reply> {
    const open = await openOrders(link);
    if (!open.length) return { text: "No open orders." };
    return {
      text: cut(
        open.map(
          (o) =>
            `${o.account} ${o.side} ${o.symbol} ${o.filledQuantity}/${o.quantity} @ ${o.price ?? "market"} ${o.status} (${o.id})`,
        ),
      ),
    };
  }

  const table: Record<string, (ctx: CommandContext) => Promise<Reply>> = {
    status,
    positions,
    pnl,
    orders,
    halt,
    resume,
    help: async () => ({ text: HELP }),
    start: async () => ({ text: HELP }),
  };

  return {
    /** The reply to a command, or null when the text is not one of ours. A refused rpc is said, not thrown. */
    async run(name: string, ctx: CommandContext): Promise<Reply | null> {
      const command = table[name];
      if (!command) return null;
      try {
        return await command(ctx);
      } catch (error) {
        return { text: failureText(error) };
      }
    },
    /** The inline "Confirm HALT" button. */
    confirmFromButton: (chatId: number, link: TelegramLink, code: string) =>
      confirmHalt(chatId, link, code).catch((error) => ({ text: failureText(error) })),
  };
}

export type TelegramCommands = ReturnType<typeof telegramCommands>;

/** A service's refusal (4xx) is said as such; anything else may have acted before failing (a timeout): say so. */
function failureText(error: unknown): string {
  const message = (error as Error).message.slice(0, 300);
  if (error instanceof AppError && error.status < 500) return `Refused: ${message}`;
  return `Failed: ${message}. The state may have changed anyway: check /status.`;
}

/** At most MAX_LINES lines and MAX_TEXT characters (Telegram's limit is 4096), then a count of the rest. */
function cut(lines: string[]): string {
  const kept: string[] = [];
  let length = 0;
  for (const line of lines) {
    if (kept.length === MAX_LINES || length + line.length + 1 > MAX_TEXT) break;
    kept.push(line);
    length += line.length + 1;
  }
  if (kept.length === lines.length) return kept.join("\n");
  return [...kept, `... and ${lines.length - kept.length} more (see the app)`].join("\n");
}
