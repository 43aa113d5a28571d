import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { RiskStatus } from "@jts/contracts";
import { loadConfig } from "@jts/kit";
import { eventually, readJson, silentLogger } from "@jts/kit/testing";
import { type FakeBotApi, fakeBotApi } from "@jts/notification-service/testing/telegram";
import { bootPlatform, type Platform } from "./boot.ts";
import { platformConfigSpec } from "./config.ts";

/**
 * The two-way Telegram bot on the whole in-process platform: the gateway hands out a link
 * code, the bot (long polling a local fake Bot API) links the chat and halts and resumes
 * through the real risk service, acting as the linked user; the HALT's alert reaches the admin's linked chat.
 */
const TOKEN = "777:e2e";
const ADMIN_CHAT = 9001;
const VIEWER_CHAT = 9002;
let bot: FakeBotApi;
let platform: Platform;
let api: string;
const tokens: Record<string, string> = {};

const call = (path: string, user: string, init: RequestInit = {}) =>
  fetch(`${api}${path}`, {
    ...init,
    headers: { "content-type": "application/json", authorization: `Bearer ${tokens[user]}`, ...init.headers },
  });
async function login(username: string, password: string) {
  const res = await fetch(`${api}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  expect(res.status).toBe(200);
  tokens[username] = (await readJson(res)).accessToken;
}
/** Alerts reach linked chats too (they start with their severity, "[CRITICAL] ..."): the bot's answers are the rest. */
const isAlert = (text: string) => text.startsWith("[");
const replies = (chatId: number) => bot.textsTo(chatId).filter((text) => !isAlert(text));
const alerts = (chatId: number) => bot.textsTo(chatId).filter(isAlert);
async function ask(chatId: number, text: string): Promise<string> {
  const before = replies(chatId).length;
  bot.message(chatId, text);
  return eventually(() => {
    expect(replies(chatId).length).toBeGreaterThan(before);
    return replies(chatId).at(-1) as string;
  });
}
async function linkChat(chatId: number, user: string) {
  const res = await call("/api/telegram/link", user, { method: "POST" });
  expect(res.status).toBe(200);
  const { code } = await readJson(res);
  expect(await ask(chatId, `/link ${code}`)).toBe(`Linked to ${user}. Send /help for the commands.`);
}

beforeAll(async () => {
  bot = fakeBotApi(TOKEN);
  const config = loadConfig(platformConfigSpec, {
    JTS_ENV: "test",
    SIM_INTERVAL_MS: "50",
    STRATEGIES: "off",
    JTS_ADMIN_PASSWORD: "e2e-password-123",
    JTS_STORAGE: "memory",
    TELEGRAM_BOT_TOKEN: TOKEN,
    TELEGRAM_BASE_URL: bot.url,
    TELEGRAM_COMMANDS: "polling",
    TELEGRAM_POLL_TIMEOUT_S: "1",
  });
  platform = await bootPlatform(config, { ephemeralPorts: true, logger: silentLogger });
  api = platform.urls["api-gateway"] as string;
  await login("admin", "e2e-password-123");
  const created = await call("/api/users", "admin", {
    method: "POST",
    body: JSON.stringify({ username: "vera", password: "vera-password-123", role: "viewer" }),
  });
  expect(created.status).toBe(201);
  await login("vera", "vera-password-123");
});

afterAll(async () => {
  await platform?.stop();
  bot?.stop();
});

describe("Telegram on the platform", () => {
  it("links chats through the gateway and halts and resumes the platform as the admin; a viewer only reads", async () => {
    await linkChat(ADMIN_CHAT, "admin");
    await linkChat(VIEWER_CHAT, "vera");
    expect(await ask(ADMIN_CHAT, "/status")).toContain("Platform: ACTIVE");
    expect(await ask(VIEWER_CHAT, "/halt")).toBe("Viewers cannot change the trading state.");

    await ask(ADMIN_CHAT, "/halt");
    const prompt = bot.sent.findLast((m) => m.chat_id === ADMIN_CHAT && m.reply_markup);
    const button = prompt?.reply_markup?.inline_keyboard[0]?.[0]?.callback_data as string;
    bot.press(ADMIN_CHAT, button);
    await eventually(() => expect(replies(ADMIN_CHAT).at(-1)).toBe("HALTED: the platform."));
    // The HALT alert: the admin's seeded rule routes TRADING_STATE to telegram (their linked chat); vera has no rule.
    await eventually(() => expect(alerts(ADMIN_CHAT).at(-1)).toStartWith("[CRITICAL] Trading HALTED"));
    expect(alerts(VIEWER_CHAT)).toEqual([]);
    const halted = (await readJson(await call("/api/risk", "vera"))) as RiskStatus;
    expect(halted.state).toBe("HALTED");
    expect(halted.reason).toBe("halted from Telegram by admin");
    expect(await ask(VIEWER_CHAT, "/status")).toContain("Platform: HALTED");

    expect(await ask(VIEWER_CHAT, "/resume")).toBe("Only an admin can resume trading.");
    expect(await ask(ADMIN_CHAT, "/resume")).toBe("ACTIVE: the platform.");
    expect(((await readJson(await call("/api/risk", "admin"))) as RiskStatus).state).toBe("ACTIVE");

    // Unlinking through the gateway: the chat is a stranger again.
    expect(await readJson(await call("/api/telegram/link", "vera", { method: "DELETE" }))).toEqual({ unlinked: 1 });
    expect(await ask(VIEWER_CHAT, "/status")).toContain("not linked");
  });
});
