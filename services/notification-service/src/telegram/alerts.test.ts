import { afterEach, beforeEach, describe, expect, it } from "bun:test";
import {
  type Account,
  EventTypes,
  type NotificationRule,
  Subjects,
  Topics,
  type TradingStateChange,
} from "@jts/contracts";
import {
  AppError,
  ConfigError,
  createLogger,
  DEFAULT_ADMIN_USER,
  envelope,
  loadConfig,
  MemoryDocumentStore,
  memoryRuntime,
  type Runtime,
  rpcClient,
} from "@jts/kit";
import { eventually, fillFixture, orderFixture } from "@jts/kit/testing";
import { notificationConfigSpec, notificationSettings } from "../config.ts";
import { createNotificationService } from "../service.ts";
import type { TelegramAlertSettings } from "./config.ts";
import { LINKS_COLLECTION } from "./links.ts";
import { type FakeBotApi, fakeBotApi } from "./testing/fake-bot-api.ts";

const TOKEN = "777:ALERTS-token";
const OPERATOR_CHAT = 900;

const account = (id: string, owner: string): Account => ({
  id,
  owner,
  venue: "sim",
  kind: "CASH",
  baseCurrency: "KRW",
  mode: "PAPER",
  balances: [],
});
const ACCOUNTS = [account("acc-a", "alice"), account("acc-b", "bob")];

/** Fills, HALTs and rejects to telegram, as a user ticks them on the Alerts screen. */
const toTelegram = (quietHours: NotificationRule["quietHours"] = null): NotificationRule => ({
  routes: [
    { kind: "ORDER_FILLED", channels: ["telegram"] },
    { kind: "TRADING_STATE", channels: ["telegram"] },
  ],
  quietHours,
});
let haltCount = 0;
/** A new HALT each call (a new event time, so not a repeat for the suppressor). */
const halt = (): TradingStateChange => ({
  account: null,
  state: "HALTED",
  previous: "ACTIVE",
  reason: "kill switch",
  changedBy: "root",
  cancelOpenOrders: false,
  tsEvent: String(++haltCount),
});

let runtime: Runtime;
let api: FakeBotApi;
let documents: MemoryDocumentStore;
let logLines: string[];
let service: ReturnType<typeof createNotificationService> | undefined;
/** The portfolio service answers `portfolio.accounts` unless this is set (then it fails, as a restarting one would). */
let accountsDown = false;
/** This many of the next `portfolio.accounts` calls fail. */
let accountsFailures = 0;
/** The gateway's users, as `auth.user-state` answers them (a user linked by `link` is added with that role). */
let users: Map<string, { role: "admin" | "trader" | "viewer"; disabled: boolean }>;

beforeEach(async () => {
  logLines = [];
  accountsDown = false;
  accountsFailures = 0;
  users = new Map();
  runtime = memoryRuntime(createLogger({}, "debug", (line) => logLines.push(line)));
  api = fakeBotApi(TOKEN);
  documents = new MemoryDocumentStore();
  await runtime.rpc.serve(Subjects.accounts, (req) => {
    if (accountsDown) throw new AppError("UNAVAILABLE", "portfolio is restarting");
    if (accountsFailures > 0) {
      accountsFailures -= 1;
      throw new AppError("UNAVAILABLE", "portfolio is restarting");
    }
    const { owner } = req as { owner?: string };
    return ACCOUNTS.filter((a) => !owner || a.owner === owner);
  });
  await runtime.rpc.serve(Subjects.userState, (req) => users.get((req as { username: string }).username) ?? null);
});

afterEach(async () => {
  await service?.stop();
  service = undefined;
  api.stop();
});

/** The service as main.ts builds it, with the two-way bot polling the fake (so /link and /unlink work). */
async function start(alerts: Partial<TelegramAlertSettings> | null = {}) {
  service = createNotificationService(runtime, {
    documents,
    seedUser: "admin",
    routes: new Map(),
    retry: { attempts: 4, baseDelayMs: 1, maxDelayMs: 1 },
    ...(alerts
      ? { telegramAlerts: { token: TOKEN, baseUrl: api.url, operatorChat: null, operatorUser: "admin", ...alerts } }
      : {}),
    telegram: {
      token: TOKEN,
      baseUrl: api.url,
      mode: "polling",
      confirmTtlMs: 60_000,
      linkCodeTtlMs: 600_000,
      pollTimeoutS: 1,
      refusalIntervalMs: 3_600_000,
    },
  });
  await service.start();
  return service;
}

/** Calls as the gateway does (the runtime is new in every test). */
const rpc = () => rpcClient(runtime.rpc);

/** The way a user links: a code from the gateway in their name, `/link <code>` from the chat. */
async function link(chatId: number, user: string, role: "admin" | "trader" | "viewer") {
  if (!users.has(user)) users.set(user, { role, disabled: false });
  const { code } = await rpc().call(Subjects.telegramLinkCode, { user, role });
  api.message(chatId, `/link ${code}`);
  await eventually(() => expect(api.textsTo(chatId)).toContain(`Linked to ${user}. Send /help for the commands.`));
}

async function setRule(user: string, rule: NotificationRule) {
  const { version } = await rpc().call(Subjects.notificationRulesGet, { user });
  await rpc().call(Subjects.notificationRulesSet, { user, version, rule });
}

/** The alerts a chat got (the bot's answers to commands left out: alerts start with their severity). */
const alertsTo = (chatId: number) => api.textsTo(chatId).filter((text) => text.startsWith("["));
const titles = (chatId: number) => alertsTo(chatId).map((text) => text.split("\n")[0]);

const publishFill = (id: string, accountId: string) =>
  runtime.bus.publish(
    Topics.fill,
    envelope(EventTypes.fill, "oms", accountId, fillFixture({ id, account: accountId })),
  );
const publishHalt = (account: string | null = null) =>
  runtime.bus.publish(
    Topics.tradingState,
    envelope(EventTypes.tradingState, "risk", account ?? "platform", { ...halt(), account }),
  );
/** The gateway changes a user (role, disabled) and announces it, as UserStates.update does. */
const changeUser = (user: string, role: "admin" | "trader" | "viewer", disabled = false) => {
  users.set(user, { role, disabled });
  return runtime.bus.publish(
    Topics.userChanged,
    envelope(EventTypes.userChanged, "api-gateway", user, { username: user, tokenVersion: 2 }),
  );
};

/** Quiet hours around the present moment (UTC), whatever time the test runs. */
function quietNow(): NotificationRule["quietHours"] {
  const hour = new Date().getUTCHours();
  const at = (h: number) => `${String((h + 24) % 24).padStart(2, "0")}:00`;
  return { from: at(hour - 1), to: at(hour + 2), timeZone: "UTC" };
}

describe("Telegram alerts to each user's linked chats", () => {
  it("sends what a user's rule routes to telegram to all their chats, an account's alert only to who may see it", async () => {
    await start();
    await link(11, "alice", "trader");
    await link(12, "alice", "trader");
    await link(21, "bob", "trader");
    await link(31, "root", "admin");
    await link(41, "carol", "viewer"); // linked, but her rule sends nothing to telegram
    for (const user of ["alice", "bob", "root"]) await setRule(user, toTelegram());
    await setRule("carol", { routes: [{ kind: "ORDER_FILLED", channels: [] }], quietHours: null });

    await publishFill("F-b", "acc-b");
    await publishHalt();
    await service?.notifier.idle();
    await eventually(() => expect(alertsTo(31)).toHaveLength(2));
    expect(titles(11)).toEqual(["[CRITICAL] Trading HALTED"]);
    expect(titles(12)).toEqual(["[CRITICAL] Trading HALTED"]);
    expect(titles(21).sort()).toEqual(["[CRITICAL] Trading HALTED", "[INFO] BUY 10 005930 @ 70000"]);
    expect(alertsTo(41)).toEqual([]);
    expect(alertsTo(21)).toContain("[INFO] BUY 10 005930 @ 70000\nfee 0 KRW\n(account acc-b, ORDER_FILLED)");
    expect(api.attempts.filter((chat) => chat === 11)).toHaveLength(1 + 1); // the link reply and the HALT
  });

  it("withholds an account's alert while the user's accounts cannot be read, retries it, and sends it once they can", async () => {
    const svc = await start();
    await link(11, "alice", "trader");
    await link(31, "root", "admin");
    await setRule("alice", toTelegram());
    await setRule("root", toTelegram());
    accountsFailures = 2; // the first two tries cannot tell whether alice may see acc-a
    await publishFill("F-a", "acc-a");
    await eventually(() => expect(alertsTo(11)).toHaveLength(1));
    await svc.notifier.idle();
    expect(titles(11)).toEqual(["[INFO] BUY 10 005930 @ 70000"]);
    expect(alertsTo(31)).toHaveLength(1); // reached at the first try: not sent again
    expect(svc.notifier.stats).toMatchObject({ sent: 1, failed: 0, retried: 2 });
  });

  it("withholds an account's alert when the user's accounts cannot be read, with a warning", async () => {
    await start();
    await link(11, "alice", "trader");
    await link(31, "root", "admin");
    await setRule("alice", toTelegram());
    await setRule("root", toTelegram());
    accountsDown = true;
    await publishFill("F-a", "acc-a");
    await publishHalt();
    await eventually(() => expect(alertsTo(11)).toHaveLength(1));
    await service?.notifier.idle();
    expect(titles(11)).toEqual(["[CRITICAL] Trading HALTED"]);
    expect(alertsTo(31)).toHaveLength(2); // an admin's chat needs no ownership answer
    expect(logLines.some((l) => l.includes("telegram alert withheld") && l.includes("alice"))).toBe(true);
  });

  it("holds back what is not CRITICAL in the user's quiet hours and sends a HALT through them", async () => {
    await start();
    await link(11, "alice", "trader");
    await setRule("alice", toTelegram(quietNow()));
    await publishFill("F-a", "acc-a");
    await publishHalt();
    await eventually(() => expect(alertsTo(11)).toHaveLength(1));
    await service?.notifier.idle();
    expect(titles(11)).toEqual(["[CRITICAL] Trading HALTED"]);
  });

  it("retries a failing chat without sending again to the chats already reached", async () => {
    const svc = await start();
    await link(11, "alice", "trader");
    await link(12, "alice", "trader");
    await setRule("alice", toTelegram());
    api.answer(
      11,
      { status: 500, description: "Internal Server Error" },
      { status: 429, description: "Too Many Requests" },
      { status: 0 },
    );
    const before = svc.notifier.stats.retried;
    await publishHalt();
    await eventually(() => expect(alertsTo(11)).toHaveLength(1));
    await svc.notifier.idle();
    expect(alertsTo(12)).toHaveLength(1);
    expect(api.attempts.filter((chat) => chat === 12)).toHaveLength(2); // the link reply and one HALT
    expect(api.attempts.filter((chat) => chat === 11)).toHaveLength(1 + 3);
    expect(svc.notifier.stats.retried - before).toBe(2);
    expect(svc.notifier.stats.failed).toBe(0);
  });

  it("unlinks a chat that blocked the bot or is gone, keeps the others, and stops sending there", async () => {
    const svc = await start();
    await link(11, "alice", "trader");
    await link(12, "alice", "trader");
    await link(13, "alice", "trader");
    await setRule("alice", toTelegram());
    api.answer(11, { status: 403, description: "Forbidden: bot was blocked by the user" });
    api.answer(12, { status: 400, description: "Bad Request: chat not found" });
    await publishHalt();
    await eventually(async () => expect(await documents.list(LINKS_COLLECTION)).toHaveLength(1));
    await svc.notifier.idle();
    const [left] = await documents.list(LINKS_COLLECTION);
    expect(left?.name).toBe("13");
    expect(svc.notifier.stats).toMatchObject({ sent: 1, failed: 0 });
    expect(logLines.filter((l) => l.includes("Telegram says it is gone"))).toHaveLength(2);
    const tried = api.attempts.length;
    await publishHalt();
    await eventually(() => expect(alertsTo(13)).toHaveLength(2));
    await svc.notifier.idle();
    expect(api.attempts.slice(tried)).toEqual([13]);
  });

  it("does not unlink a chat for another refusal (a message Telegram will not take): the delivery fails once", async () => {
    const svc = await start();
    await link(11, "alice", "trader");
    await setRule("alice", toTelegram());
    api.answer(11, { status: 400, description: "Bad Request: message is too long" });
    await publishHalt();
    await eventually(() => expect(svc.notifier.stats.failed).toBe(1));
    expect(api.attempts.filter((chat) => chat === 11)).toHaveLength(2); // no retry of a refusal
    expect(await documents.list(LINKS_COLLECTION)).toHaveLength(1);
  });

  it("follows links, unlinks and rule edits at run time", async () => {
    const svc = await start();
    await setRule("alice", toTelegram());
    await publishHalt(); // nobody linked yet
    await svc.notifier.idle();
    await link(11, "alice", "trader");
    await publishHalt();
    await eventually(() => expect(alertsTo(11)).toHaveLength(1));
    // The rule no longer routes HALTs to telegram: nothing more (a rule of another user still routes it, so no fallback).
    await setRule("alice", { routes: [{ kind: "ORDER_FILLED", channels: ["telegram"] }], quietHours: null });
    await setRule("bob", toTelegram());
    await publishHalt();
    await publishFill("F-a", "acc-a");
    await eventually(() => expect(alertsTo(11)).toHaveLength(2));
    await svc.notifier.idle();
    expect(titles(11)).toEqual(["[CRITICAL] Trading HALTED", "[INFO] BUY 10 005930 @ 70000"]);
    // /unlink from the chat: the next fill does not go there.
    api.message(11, "/unlink");
    await eventually(() => expect(api.textsTo(11)).toContain("This chat is no longer linked."));
    await publishFill("F-a2", "acc-a");
    await svc.notifier.idle();
    expect(alertsTo(11)).toHaveLength(2);
  });
  it("gives up on a token the Bot API refuses, and never logs the token", async () => {
    const svc = await start({ token: "999:SECRET-token" });
    await link(11, "alice", "trader");
    await setRule("alice", toTelegram());
    await publishHalt();
    await eventually(() => expect(svc.notifier.stats.failed).toBe(1));
    expect(svc.notifier.stats.retried).toBe(0);
    expect(logLines.some((l) => l.includes("telegram sendMessage: 401"))).toBe(true);
    expect(logLines.filter((l) => l.includes("SECRET"))).toEqual([]);
  });
});

describe("the operator chat (TELEGRAM_CHAT_ID) beside the linked chats", () => {
  it("gets what JTS_ADMIN_USER's rule routes to telegram, once per chat even when that chat is linked too", async () => {
    const svc = await start({ operatorChat: String(OPERATOR_CHAT) });
    await link(OPERATOR_CHAT, "admin", "admin"); // the operator linked the same chat for commands
    await link(31, "admin", "admin");
    await link(21, "bob", "trader");
    await setRule("admin", toTelegram());
    await setRule("bob", { routes: [{ kind: "ORDER_REJECTED", channels: ["telegram"] }], quietHours: null });

    await publishHalt();
    await eventually(() => expect(alertsTo(31)).toHaveLength(1));
    await svc.notifier.idle();
    expect(alertsTo(OPERATOR_CHAT)).toHaveLength(1);
    // Bob's rule routes rejects to his own chat only, not to the operator's.
    const rejected = orderFixture({ id: "o9", account: "acc-b", status: "REJECTED", rejectReason: "no cash" });
    await runtime.bus.publish(Topics.orderUpdated, envelope(EventTypes.order, "oms", "acc-b", rejected));
    await eventually(() => expect(alertsTo(21)).toHaveLength(1));
    await svc.notifier.idle();
    expect(alertsTo(OPERATOR_CHAT)).toHaveLength(1);
    expect(alertsTo(31)).toHaveLength(1);
  });

  it("gets an unrouted CRITICAL alert with every admin's linked chat; traders' chats do not", async () => {
    const svc = await start({ operatorChat: String(OPERATOR_CHAT) });
    await link(31, "root", "admin");
    await link(11, "alice", "trader");
    await setRule("alice", { routes: [{ kind: "ORDER_FILLED", channels: ["telegram"] }], quietHours: null });
    await publishHalt();
    await eventually(() => expect(alertsTo(OPERATOR_CHAT)).toHaveLength(1));
    await svc.notifier.idle();
    expect(alertsTo(31)).toHaveLength(1);
    expect(alertsTo(11)).toEqual([]);
  });
});

describe("the CRITICAL fallback is decided by who can receive the alert", () => {
  it("reaches the operator chat and the admins when only a viewer's rule routes a HALT", async () => {
    const svc = await start({ operatorChat: String(OPERATOR_CHAT) });
    await link(31, "root", "admin");
    await link(41, "carol", "viewer");
    await setRule("carol", { routes: [{ kind: "TRADING_STATE", channels: ["telegram"] }], quietHours: null });
    await publishHalt();
    await eventually(() => expect(alertsTo(41)).toHaveLength(1));
    await svc.notifier.idle();
    expect(alertsTo(OPERATOR_CHAT)).toHaveLength(1);
    expect(alertsTo(31)).toHaveLength(1);
  });

  it("sends an account's HALT that the routed viewer may not see to the operator and admins, not to the viewer", async () => {
    const svc = await start({ operatorChat: String(OPERATOR_CHAT) });
    users.set("admin", { role: "admin", disabled: false });
    await link(31, "root", "admin");
    await link(41, "carol", "viewer"); // owns no account
    await setRule("carol", { routes: [{ kind: "TRADING_STATE", channels: ["telegram"] }], quietHours: null });
    await publishHalt("acc-b");
    await eventually(() => expect(alertsTo(31)).toHaveLength(1));
    await svc.notifier.idle();
    expect(titles(OPERATOR_CHAT)).toEqual(["[CRITICAL] Trading HALTED on acc-b"]);
    expect(alertsTo(41)).toEqual([]);
  });

  it("adds no fallback copy when an admin's own rule already reaches them", async () => {
    const svc = await start({ operatorChat: String(OPERATOR_CHAT) });
    await link(31, "root", "admin");
    await link(32, "rita", "admin");
    await setRule("root", { routes: [{ kind: "TRADING_STATE", channels: ["telegram"] }], quietHours: null });
    await publishHalt();
    await eventually(() => expect(alertsTo(31)).toHaveLength(1));
    await svc.notifier.idle();
    expect(alertsTo(OPERATOR_CHAT)).toEqual([]);
    expect(alertsTo(32)).toEqual([]);
  });
});

describe("a link acts with the user's rights now", () => {
  it("links a code asked for before a demotion with the role the user has now, and a disabled user's not at all", async () => {
    const svc = await start();
    users.set("eve", { role: "admin", disabled: false });
    users.set("dan", { role: "trader", disabled: false });
    const eve = await rpc().call(Subjects.telegramLinkCode, { user: "eve", role: "admin" });
    const dan = await rpc().call(Subjects.telegramLinkCode, { user: "dan", role: "trader" });
    // The change happens where this service cannot see it (say it was down): no userChanged arrives.
    users.set("eve", { role: "viewer", disabled: false });
    users.set("dan", { role: "trader", disabled: true });
    api.message(55, `/link ${eve.code}`);
    api.message(56, `/link ${dan.code}`);
    await eventually(() => expect(api.textsTo(55)).toContain("Linked to eve. Send /help for the commands."));
    await eventually(() => expect(api.textsTo(56)).toHaveLength(1));
    expect(api.textsTo(56)[0]).not.toContain("Linked");
    expect((await documents.list(LINKS_COLLECTION)).map((d) => [d.name, (d.body as { role: string }).role])).toEqual([
      ["55", "viewer"],
    ]);
    await setRule("eve", toTelegram());
    await publishFill("F-b", "acc-b"); // bob's account: eve, a viewer now, may not see it
    await publishHalt();
    await eventually(() => expect(alertsTo(55)).toHaveLength(1));
    await svc.notifier.idle();
    expect(titles(55)).toEqual(["[CRITICAL] Trading HALTED"]);
  });

  it("drops a user's codes not used yet when the user changes", async () => {
    await start();
    users.set("eve", { role: "admin", disabled: false });
    const { code } = await rpc().call(Subjects.telegramLinkCode, { user: "eve", role: "admin" });
    await changeUser("eve", "admin"); // e.g. a new password: the code asked before is void
    await eventually(async () => expect(await documents.list("telegram-link-codes")).toEqual([]));
    api.message(55, `/link ${code}`);
    await eventually(() => expect(api.textsTo(55)).toHaveLength(1));
    expect(await documents.list(LINKS_COLLECTION)).toEqual([]);
  });

  it("shows a demoted admin's chat only their own accounts, even when the change was not announced", async () => {
    const svc = await start();
    await link(31, "root", "admin");
    await setRule("root", toTelegram());
    users.set("root", { role: "trader", disabled: false }); // demoted; the link still says admin
    await publishFill("F-b", "acc-b");
    await publishHalt();
    await eventually(() => expect(alertsTo(31)).toHaveLength(1));
    await svc.notifier.idle();
    expect(titles(31)).toEqual(["[CRITICAL] Trading HALTED"]);
    users.set("root", { role: "trader", disabled: true });
    await publishHalt();
    await svc.notifier.idle();
    expect(alertsTo(31)).toHaveLength(1); // a disabled user's chats get nothing
  });
});

describe("bounded fan-out", () => {
  it("refuses a sixth chat for one user with a clear reply", async () => {
    await start();
    for (const chat of [11, 12, 13, 14, 15]) await link(chat, "alice", "trader");
    const { code } = await rpc().call(Subjects.telegramLinkCode, { user: "alice", role: "trader" });
    api.message(16, `/link ${code}`);
    await eventually(() =>
      expect(api.textsTo(16)).toEqual([
        "That user already has 5 linked chats: send /unlink in one of them (or unlink all in the app) first.",
      ]),
    );
    expect(await documents.list(LINKS_COLLECTION)).toHaveLength(5);
    api.message(11, `/link ${code}`); // linking one of the five again is no sixth chat
    await eventually(() => expect(api.textsTo(11).at(-1)).toBe("Linked to alice. Send /help for the commands."));
  });

  it("keeps at most 5 sendMessage calls open, and sends a HALT before the fills still waiting", async () => {
    const svc = await start();
    for (const user of ["alice", "bob"]) {
      for (let i = 0; i < 5; i++) await link(user === "alice" ? 100 + i : 200 + i, user, "trader");
      await setRule(user, toTelegram());
    }
    api.slowSends(40);
    const before = api.attempts.length;
    await publishFill("F-a", "acc-a"); // alice's 5 chats
    await publishFill("F-b", "acc-b"); // bob's 5 chats: these wait for a turn
    await Bun.sleep(10);
    await publishHalt(); // all 10 chats, ahead of bob's waiting fills
    await eventually(() => expect(api.attempts.length - before).toBe(20));
    await svc.notifier.idle();
    expect(api.maxInFlight).toBe(5);
    const order = api.sent.slice(-20).map((m) => (m.text.startsWith("[CRITICAL]") ? "HALT" : "fill"));
    expect(order.lastIndexOf("HALT")).toBeLessThan(order.lastIndexOf("fill"));
    expect(order.slice(5, 15)).toEqual(Array(10).fill("HALT"));
  });

  it("reads the links once for a burst of alerts, not once per alert", async () => {
    const svc = await start();
    await link(11, "alice", "trader");
    await setRule("alice", toTelegram());
    const list = documents.list.bind(documents);
    let linkReads = 0;
    documents.list = (async (collection: string) => {
      if (collection === LINKS_COLLECTION) linkReads += 1;
      return list(collection);
    }) as typeof documents.list;
    for (let i = 0; i < 10; i++) await publishFill(`F-${i}`, "acc-a");
    await eventually(() => expect(alertsTo(11)).toHaveLength(10));
    await svc.notifier.idle();
    expect(linkReads).toBeLessThanOrEqual(2);
  });

  it("waits Telegram's retry_after before sending to a chat again after a 429", async () => {
    const svc = await start();
    await link(11, "alice", "trader");
    await setRule("alice", toTelegram());
    api.answer(11, { status: 429, description: "Too Many Requests: retry after 1", retryAfter: 1 }, { status: 0 });
    const before = api.attempts.length;
    await publishHalt();
    await eventually(() => expect(alertsTo(11)).toHaveLength(1));
    await svc.notifier.idle();
    const [first, second] = api.attemptTimes.slice(before);
    expect(api.attempts.length - before).toBe(2);
    expect((second as number) - (first as number)).toBeGreaterThanOrEqual(990);
  });
});

describe("only Telegram's own word unlinks a chat", () => {
  it("keeps a chat answered 403 by something that is not Telegram, or 403 for another reason", async () => {
    const svc = await start();
    await link(11, "alice", "trader");
    await link(21, "bob", "trader");
    await link(22, "bob", "trader");
    for (const user of ["alice", "bob"]) await setRule(user, toTelegram());
    api.answer(11, { status: 403, notJson: true });
    api.answer(21, { status: 403, description: "Forbidden: not enough rights to send text messages to the chat" });
    api.answer(22, { status: 403, description: "Forbidden: user is deactivated" });
    await publishHalt();
    await eventually(async () => expect(await documents.list(LINKS_COLLECTION)).toHaveLength(2));
    await svc.notifier.idle();
    expect((await documents.list(LINKS_COLLECTION)).map((d) => d.name).sort()).toEqual(["11", "21"]);
    expect(svc.notifier.stats).toMatchObject({ failed: 1, retried: 0 }); // refusals: not retried
  });
});

describe("the operator chat follows JTS_ADMIN_USER's current role", () => {
  it("gets platform-wide alerts but only that user's accounts once the user is no admin", async () => {
    const svc = await start({ operatorChat: String(OPERATOR_CHAT) });
    users.set("admin", { role: "trader", disabled: false }); // owns acc-a? no: alice does
    await setRule("admin", toTelegram());
    await publishFill("F-b", "acc-b");
    await publishHalt();
    await eventually(() => expect(alertsTo(OPERATOR_CHAT)).toHaveLength(1));
    await svc.notifier.idle();
    expect(titles(OPERATOR_CHAT)).toEqual(["[CRITICAL] Trading HALTED"]);
    users.set("admin", { role: "admin", disabled: false });
    await publishFill("F-b2", "acc-b");
    await eventually(() => expect(alertsTo(OPERATOR_CHAT)).toHaveLength(2));
  });

  it("is JTS_ADMIN_USER's, with the gateway's default when not set", () => {
    const load = (env: Record<string, string>) => notificationSettings(loadConfig(notificationConfigSpec, env));
    expect(load({ TELEGRAM_BOT_TOKEN: "1:x" }).telegramAlerts?.operatorUser).toBe(DEFAULT_ADMIN_USER);
    expect(load({ TELEGRAM_BOT_TOKEN: "1:x", JTS_ADMIN_USER: "ops" }).telegramAlerts?.operatorUser).toBe("ops");
  });
});

describe("without TELEGRAM_BOT_TOKEN", () => {
  it("has no telegram channel: a rule naming it is refused and linked chats get nothing", async () => {
    const svc = await start(null);
    await link(11, "alice", "trader"); // the two-way bot may still run with its own settings
    const refused = await rpc()
      .call(Subjects.notificationRulesSet, { user: "alice", version: 0, rule: toTelegram() })
      .catch((e: AppError) => e.code);
    expect(refused).toBe("VALIDATION");
    await publishHalt(); // CRITICAL and unrouted: every configured channel, and telegram is not one
    await eventually(() => expect(svc.list()).toHaveLength(1));
    await svc.notifier.idle();
    expect(alertsTo(11)).toEqual([]);
  });

  it("is off in the configuration; a chat id without a token is refused; a token alone turns it on", () => {
    const load = (env: Record<string, string>) => notificationSettings(loadConfig(notificationConfigSpec, env));
    expect(load({}).telegramAlerts).toBeNull();
    expect(() => load({ TELEGRAM_CHAT_ID: "-100" })).toThrow(ConfigError);
    expect(load({ TELEGRAM_BOT_TOKEN: "1:x" }).telegramAlerts).toEqual({
      token: "1:x",
      baseUrl: "https://api.telegram.org",
      operatorChat: null,
      operatorUser: "admin",
    });
    expect([...load({ TELEGRAM_BOT_TOKEN: "1:x", NOTIFY_ROUTES: "TRADING_STATE=*" }).routes]).toEqual([
      ["TRADING_STATE", ["telegram"]],
    ]);
  });
});
