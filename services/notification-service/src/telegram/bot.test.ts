import { afterEach, beforeEach, describe, expect, it } from "bun:test";
import {
  type Account,
  EventTypes,
  type Position,
  type RiskStatus,
  Subjects,
  Topics,
  type TradingState,
} from "@jts/contracts";
import { AppError, createLogger, envelope, MemoryDocumentStore, memoryRuntime, type Runtime } from "@jts/kit";
import { eventually, orderFixture } from "@jts/kit/testing";
import { createNotificationService } from "../service.ts";
import { REFUSAL } from "./bot.ts";
import { HELP } from "./commands.ts";
import type { TelegramBotSettings } from "./config.ts";
import { LINKS_COLLECTION } from "./links.ts";
import { type FakeBotApi, fakeBotApi } from "./testing/fake-bot-api.ts";
import { SECRET_HEADER, WEBHOOK_PATH } from "./transport.ts";

const TOKEN = "123456:TEST-token";
const SECRET = "webhook-secret-0123456789";
const ADMIN = 101;
const TRADER = 202;
const VIEWER = 303;
const STRANGER = 404;

const account = (id: string, owner: string): Account => ({
  id,
  owner,
  venue: "sim",
  kind: "CASH",
  baseCurrency: "KRW",
  mode: "PAPER",
  balances: [],
});
const ACCOUNTS = [account("acc-tina", "tina"), account("acc-tina-2", "tina"), account("acc-other", "olga")];
const position = (overrides: Partial<Position>): Position => ({
  account: "acc-tina",
  symbol: "BTC-KRW",
  venue: "sim",
  quantity: "0.5",
  averagePrice: "100000000",
  realizedPnl: "1000",
  unrealizedPnl: "-250.5",
  lastPrice: "99999499",
  currency: "KRW",
  updatedAt: "1765000000000000000",
  ...overrides,
});

let runtime: Runtime;
let api: FakeBotApi;
let documents: MemoryDocumentStore;
let service: ReturnType<typeof createNotificationService> | undefined;
let logLines: string[];
/** Every risk.set-state the bot made, with the actor the rpc carried. */
let stateCalls: Array<{ state: TradingState; account: string | null; actor: string | undefined }>;
let platform: TradingState;
/** risk.set-state for this account fails as a restarting risk service would. */
let failOn: string | null;
let roles: Record<string, "admin" | "trader" | "viewer">;
let disabledUsers: Set<string>;
let usersDown: boolean;
const states = new Map<string, TradingState>();

function riskStatus(): RiskStatus {
  const limits = { maxOrderNotional: "1000000", maxPositionNotional: "1000000" };
  return {
    state: platform,
    limits,
    reason: "",
    updatedAt: "1",
    accounts: ACCOUNTS.map((a) => ({
      account: a.id,
      state: states.get(a.id) ?? "ACTIVE",
      reason: "",
      updatedAt: "1",
      limits,
      dailyPnl: a.id === "acc-tina" ? "-300" : "7",
      drawdown: "0",
      grossExposure: "0",
      currency: "KRW",
    })),
  };
}

async function serveServices(rt: Runtime) {
  await rt.rpc.serve(Subjects.accounts, (req) => {
    const { owner } = req as { owner?: string };
    return ACCOUNTS.filter((a) => !owner || a.owner === owner);
  });
  await rt.rpc.serve(Subjects.riskStatus, () => riskStatus());
  // The gateway's users: a code links, and a command acts, with the role the user has now.
  await rt.rpc.serve(Subjects.userState, (req) => {
    const { username } = req as { username: string };
    if (usersDown) throw new AppError("UNAVAILABLE", "the gateway is restarting");
    const role = roles[username];
    return role ? { role, disabled: disabledUsers.has(username) } : null;
  });
  await rt.rpc.serve(Subjects.riskSetState, (req, ctx) => {
    const { state, account } = req as { state: TradingState; account: string | null };
    if (failOn !== null && account === failOn) throw new AppError("UNAVAILABLE", "risk is restarting");
    stateCalls.push({ state, account, actor: ctx.actor });
    if (account) states.set(account, state);
    else platform = state;
    return riskStatus();
  });
  const orders = [
    orderFixture({ id: "o-open", account: "acc-tina", status: "ACCEPTED" }),
    orderFixture({ id: "o-done", account: "acc-tina", status: "FILLED" }),
    orderFixture({ id: "o-olga", account: "acc-other", status: "NEW" }),
  ];
  await rt.rpc.serve(Subjects.orderList, (req) => {
    const { accounts } = req as { accounts?: string[] };
    return orders.filter((o) => !accounts || accounts.includes(o.account));
  });
  await rt.rpc.serve(Subjects.positions, (req) => {
    const { accounts } = req as { accounts?: string[] };
    const all = [
      position({}),
      position({ account: "acc-other", symbol: "ETH-USDT", currency: "USDT", realizedPnl: "5", unrealizedPnl: "1" }),
      position({ symbol: "XRP-KRW", quantity: "0", realizedPnl: "200", unrealizedPnl: "0" }),
    ];
    return all.filter((p) => !accounts || accounts.includes(p.account));
  });
}

const settings = (overrides: Partial<TelegramBotSettings> = {}): TelegramBotSettings => ({
  token: TOKEN,
  baseUrl: api.url,
  mode: "polling",
  confirmTtlMs: 60_000,
  linkCodeTtlMs: 600_000,
  pollTimeoutS: 1,
  refusalIntervalMs: 3_600_000,
  ...overrides,
});

async function startService(telegram: TelegramBotSettings = settings()) {
  service = createNotificationService(runtime, { documents, telegram });
  await service.start();
  return service;
}

/** The way a user links: the gateway asks for a code in their name, they send it to the bot. */
async function link(chatId: number, user: string, role: "admin" | "trader" | "viewer") {
  const { code } = (await runtime.rpc.request(Subjects.telegramLinkCode, { user, role })) as { code: string };
  api.message(chatId, `/link ${code}`);
  await eventually(() => expect(api.textsTo(chatId).at(-1)).toBe(`Linked to ${user}. Send /help for the commands.`));
}

/** Sends a command and waits for the answer it causes. */
async function ask(chatId: number, text: string): Promise<string> {
  const before = api.textsTo(chatId).length;
  api.message(chatId, text);
  return eventually(() => {
    const texts = api.textsTo(chatId);
    expect(texts.length).toBeGreaterThan(before);
    return texts.at(-1) as string;
  });
}

beforeEach(async () => {
  logLines = [];
  runtime = memoryRuntime(createLogger({}, "debug", (line) => logLines.push(line)));
  api = fakeBotApi(TOKEN);
  documents = new MemoryDocumentStore();
  stateCalls = [];
  platform = "ACTIVE";
  failOn = null;
  roles = { tina: "trader", root: "admin", vic: "viewer" };
  disabledUsers = new Set();
  usersDown = false;
  states.clear();
  await serveServices(runtime);
});

afterEach(async () => {
  await service?.stop();
  service = undefined;
  api.stop();
});

describe("Telegram commands (long polling against a fake Bot API)", () => {
  it("answers /status, /positions, /pnl and /orders for a linked trader with their own accounts only", async () => {
    await startService();
    await link(TRADER, "tina", "trader");
    await runtime.bus.publish(
      Topics.venueStatus,
      envelope(EventTypes.venueStatus, "test", "SIM", {
        venue: "sim",
        connected: false,
        reason: "socket closed",
        tsEvent: "1",
      }),
    );

    const status = await ask(TRADER, "/status");
    expect(status).toContain("Platform: ACTIVE");
    expect(status).toContain("acc-tina: ACTIVE");
    expect(status).toContain("acc-tina-2: ACTIVE");
    expect(status).not.toContain("acc-other");
    expect(status).toContain("Open orders: 1");
    expect(status).toContain("sim DOWN (socket closed)");

    const positions = await ask(TRADER, "/positions");
    expect(positions).toContain("acc-tina BTC-KRW: 0.5 @ 100000000 KRW");
    expect(positions).not.toContain("XRP-KRW"); // flat
    expect(positions).not.toContain("ETH-USDT"); // not hers

    // Realized counts the closed XRP position too; today is risk's trading-day P&L over her two accounts.
    expect(await ask(TRADER, "/pnl")).toBe("KRW: realized 1200, unrealized -250.5, today -293");

    const orders = await ask(TRADER, "/orders@jts_bot");
    expect(orders).toContain("(o-open)");
    expect(orders).not.toContain("o-done");
    expect(orders).not.toContain("o-olga");

    expect(await ask(TRADER, "/help")).toContain("/halt [account]");
    expect(await ask(TRADER, "/frobnicate")).toBe("Unknown command. Send /help.");
  });

  it("shows an admin every account and currency", async () => {
    await startService();
    await link(ADMIN, "root", "admin");
    expect(await ask(ADMIN, "/status")).toContain("acc-other: ACTIVE");
    expect(await ask(ADMIN, "/pnl")).toBe(
      "KRW: realized 1200, unrealized -250.5, today -286\nUSDT: realized 5, unrealized 1, today -",
    );
  });

  it("halts a trader's own accounts only after the inline confirmation, acting as the trader", async () => {
    await startService();
    await link(TRADER, "tina", "trader");
    const prompt = await ask(TRADER, "/halt");
    expect(prompt).toContain("Halt acc-tina, acc-tina-2?");
    expect(stateCalls).toEqual([]);
    const button = api.sent.at(-1)?.reply_markup?.inline_keyboard[0]?.[0];
    expect(button?.text).toBe("Confirm HALT");

    api.press(TRADER, button?.callback_data as string);
    await eventually(() => expect(api.textsTo(TRADER).at(-1)).toBe("HALTED: acc-tina, acc-tina-2."));
    expect(stateCalls).toEqual([
      { state: "HALTED", account: "acc-tina", actor: "tina" },
      { state: "HALTED", account: "acc-tina-2", actor: "tina" },
    ]);
    expect(api.callbackAnswers.at(-1)?.text).toBe("HALTED: acc-tina, acc-tina-2.");

    // The code is one-time: pressing again halts nothing more.
    api.press(TRADER, button?.callback_data as string);
    await eventually(() => expect(api.textsTo(TRADER).at(-1)).toBe("Unknown or used confirmation. Send /halt again."));
    expect(stateCalls).toHaveLength(2);
  });

  it("takes `/halt confirm <code>` typed, refuses another user's account and another chat's code", async () => {
    await startService();
    await link(TRADER, "tina", "trader");
    await link(ADMIN, "root", "admin");
    expect(await ask(TRADER, "/halt acc-other")).toBe("No access to account acc-other.");

    const prompt = await ask(TRADER, "/halt acc-tina");
    const code = /\/halt confirm (\w+)/.exec(prompt)?.[1] as string;
    // Another chat (even an admin's) cannot use the trader's code.
    expect(await ask(ADMIN, `/halt confirm ${code}`)).toBe("Unknown or used confirmation. Send /halt again.");
    expect(stateCalls).toEqual([]);
    expect(await ask(TRADER, `/halt confirm ${code}`)).toBe("HALTED: acc-tina.");
    expect(stateCalls).toEqual([{ state: "HALTED", account: "acc-tina", actor: "tina" }]);
  });

  it("lets an admin halt the whole platform and resume it; a trader and a viewer cannot resume, a viewer cannot halt", async () => {
    await startService();
    await link(ADMIN, "root", "admin");
    await link(TRADER, "tina", "trader");
    await link(VIEWER, "vic", "viewer");

    expect(await ask(VIEWER, "/halt")).toBe("Viewers cannot change the trading state.");
    expect(await ask(VIEWER, "/resume")).toBe("Only an admin can resume trading.");
    expect(await ask(TRADER, "/resume acc-tina")).toBe("Only an admin can resume trading.");
    expect(stateCalls).toEqual([]);

    const code = /\/halt confirm (\w+)/.exec(await ask(ADMIN, "/halt"))?.[1] as string;
    expect(await ask(ADMIN, `/halt confirm ${code}`)).toBe("HALTED: the platform.");
    expect(await ask(ADMIN, "/resume")).toBe("ACTIVE: the platform.");
    expect(stateCalls).toEqual([
      { state: "HALTED", account: null, actor: "root" },
      { state: "ACTIVE", account: null, actor: "root" },
    ]);
  });

  it("acts with the user's rights now, not the role stored at link time, even when no user change was announced", async () => {
    await startService();
    await link(ADMIN, "root", "admin");
    roles.root = "viewer"; // demoted; the userChanged event never arrived
    expect(await ask(ADMIN, "/resume")).toBe("Only an admin can resume trading.");
    expect(await ask(ADMIN, "/halt")).toBe("Viewers cannot change the trading state.");
    usersDown = true;
    expect(await ask(ADMIN, "/resume")).toBe(
      "Your rights cannot be checked right now: send the command again in a minute.",
    );
    usersDown = false;
    disabledUsers.add("root");
    expect(await ask(ADMIN, "/status")).toBe(REFUSAL);
    expect(await documents.findByName(LINKS_COLLECTION, String(ADMIN))).toBeNull();
    expect(stateCalls).toEqual([]);
  });

  it("says which accounts were halted when the risk service fails part way, and that the state may have changed", async () => {
    await startService();
    await link(TRADER, "tina", "trader");
    failOn = "acc-tina-2";
    const code = /\/halt confirm (\w+)/.exec(await ask(TRADER, "/halt"))?.[1] as string;
    expect(await ask(TRADER, `/halt confirm ${code}`)).toBe(
      "Failed: risk is restarting (HALTED so far: acc-tina). The state may have changed anyway: check /status.",
    );
    expect(stateCalls).toEqual([{ state: "HALTED", account: "acc-tina", actor: "tina" }]);
  });

  it("lets a confirmation expire", async () => {
    await startService(settings({ confirmTtlMs: 50 }));
    await link(TRADER, "tina", "trader");
    const code = /\/halt confirm (\w+)/.exec(await ask(TRADER, "/halt"))?.[1] as string;
    await Bun.sleep(80);
    expect(await ask(TRADER, `/halt confirm ${code}`)).toBe("That confirmation expired. Send /halt again.");
    expect(stateCalls).toEqual([]);
  });

  it("answers an unlinked chat with one polite refusal, whatever it sends, and nothing else", async () => {
    await startService();
    expect(await ask(STRANGER, "/status")).toBe(REFUSAL);
    api.message(STRANGER, "/positions");
    api.message(STRANGER, "/halt");
    api.message(STRANGER, "/link not-a-code");
    api.press(STRANGER, "halt:abcdef");
    await eventually(() => expect(api.callbackAnswers).toHaveLength(1));
    await eventually(() => expect(api.offsets.at(-1)).toBeGreaterThan(1004));
    expect(api.textsTo(STRANGER)).toEqual([REFUSAL]);
    expect(stateCalls).toEqual([]);
  });

  it("refuses at most 20 unlinked chats a minute, so new chats cannot spend the bot's send quota", async () => {
    await startService();
    for (let chat = 1; chat <= 25; chat++) api.message(-chat, "/status");
    await eventually(() => expect(api.offsets.at(-1)).toBeGreaterThanOrEqual(1025));
    expect(api.sent.filter((m) => m.text === REFUSAL)).toHaveLength(20);
  });

  it("links with a code once: a used or expired code links nothing; a change to the user drops the link", async () => {
    await startService();
    const { code } = (await runtime.rpc.request(Subjects.telegramLinkCode, { user: "tina", role: "trader" })) as {
      code: string;
    };
    expect(await ask(TRADER, `/link ${code}`)).toBe("Linked to tina. Send /help for the commands.");
    expect(await ask(STRANGER, `/link ${code}`)).toBe(REFUSAL);

    // The gateway announces a role change or a disabled user: the chat is refused until linked again.
    await runtime.bus.publish(
      Topics.userChanged,
      envelope(EventTypes.userChanged, "api-gateway", "tina", { username: "tina", tokenVersion: 2 }),
    );
    expect(await ask(TRADER, "/status")).toBe(REFUSAL);
  });

  it("refuses an expired link code", async () => {
    await startService(settings({ linkCodeTtlMs: 30 }));
    const { code } = (await runtime.rpc.request(Subjects.telegramLinkCode, { user: "tina", role: "trader" })) as {
      code: string;
    };
    await Bun.sleep(60);
    expect(await ask(TRADER, `/link ${code}`)).toBe(REFUSAL);
  });

  it("does not handle an update again after a restart: the offset is stored", async () => {
    await startService();
    await link(TRADER, "tina", "trader");
    const prompt = await ask(TRADER, "/halt acc-tina");
    const code = /\/halt confirm (\w+)/.exec(prompt)?.[1] as string;
    expect(await ask(TRADER, `/halt confirm ${code}`)).toBe("HALTED: acc-tina.");
    await service?.stop();
    const sentBefore = api.sent.length;
    const stored = await documents.findByName<{ offset: number }>("telegram-state", "offset");

    // Telegram still holds every update (none was confirmed by a later getUpdates): a restart must not redo them.
    service = createNotificationService(runtime, { documents, telegram: settings() });
    await service.start();
    expect(await ask(TRADER, "/status")).toContain("acc-tina: HALTED");
    expect(api.offsets.at(-1)).toBeGreaterThanOrEqual(stored?.body.offset as number);
    expect(api.sent.length).toBe(sentBefore + 1);
    expect(stateCalls).toHaveLength(1);
  });

  it("skips bad updates, logs them and keeps going", async () => {
    await startService();
    await link(TRADER, "tina", "trader");
    api.push({ message: { chat: "not a chat" } });
    api.push({ edited_message: { text: "/halt" } });
    api.push({ callback_query: { id: "x", data: "halt:nope" } }); // no message: no chat to answer
    expect(await ask(TRADER, "/status")).toContain("Platform: ACTIVE");
    expect(logLines.some((l) => l.includes("telegram update ignored"))).toBe(true);
    expect(stateCalls).toEqual([]);
  });
});

describe("Telegram webhook mode", () => {
  const post = (port: number, body: string, secret?: string) =>
    fetch(`http://127.0.0.1:${port}${WEBHOOK_PATH}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(secret ? { [SECRET_HEADER]: secret } : {}) },
      body,
    });
  const update = (id: number, chatId: number, text: string) =>
    JSON.stringify({
      update_id: id,
      message: { message_id: id, date: 1, chat: { id: chatId, type: "private" }, text },
    });

  it("sets the webhook with its secret, refuses a request without it, and handles each update once", async () => {
    // A store that takes its time (a real database): overlapping offset writes would collide on the version.
    documents = new (class extends MemoryDocumentStore {
      override async update<Body>(collection: string, id: string, version: number, body: Body) {
        await Bun.sleep(20);
        return super.update(collection, id, version, body);
      }
    })();
    const svc = await startService(
      settings({
        mode: "webhook",
        webhook: { url: "https://bot.example/telegram/webhook", secret: SECRET, hostname: "127.0.0.1", port: 0 },
      }),
    );
    expect(api.webhooks).toEqual([
      expect.objectContaining({
        url: "https://bot.example/telegram/webhook",
        secret_token: SECRET,
        max_connections: 1,
      }),
    ]);
    const port = svc.telegram.webhookPort as number;
    const { code } = (await runtime.rpc.request(Subjects.telegramLinkCode, { user: "root", role: "admin" })) as {
      code: string;
    };
    expect((await post(port, update(1, ADMIN, `/link ${code}`), SECRET)).status).toBe(200);
    expect(api.textsTo(ADMIN)).toEqual(["Linked to root. Send /help for the commands."]);

    expect((await post(port, update(2, ADMIN, "/resume"))).status).toBe(401);
    expect((await post(port, update(2, ADMIN, "/resume"), "wrong-secret-0123456789")).status).toBe(401);
    expect(stateCalls).toEqual([]);

    expect((await post(port, "{not json", SECRET)).status).toBe(400);
    expect(logLines.some((l) => l.includes("telegram webhook body is not JSON"))).toBe(true);

    expect((await post(port, update(2, ADMIN, "/resume"), SECRET)).status).toBe(200);
    // Telegram resends when it missed our answer: the same update is not handled twice.
    expect((await post(port, update(2, ADMIN, "/resume"), SECRET)).status).toBe(200);
    expect(stateCalls).toEqual([{ state: "ACTIVE", account: null, actor: "root" }]);
    expect(api.textsTo(ADMIN).at(-1)).toBe("ACTIVE: the platform.");
    expect(api.offsets).toEqual([]); // no polling in webhook mode

    // Overlapping requests are handled one at a time: each once, none lost to a racing offset write.
    const burst = await Promise.all([3, 4, 5].map((id) => post(port, update(id, ADMIN, "/help"), SECRET)));
    expect(burst.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(api.textsTo(ADMIN).filter((t) => t === HELP)).toHaveLength(3);
  });
});
