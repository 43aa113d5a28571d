import { describe, expect, it } from "bun:test";
import { loadConfig } from "@jts/kit";
import { notificationConfigSpec, notificationSettings } from "../config.ts";
import { telegramBotSettings } from "./config.ts";

const load = (env: Record<string, string>) => loadConfig(notificationConfigSpec, env);

describe("Telegram bot settings", () => {
  it("is off by default; a token alone sends alerts (to linked chats) without answering commands", () => {
    expect(telegramBotSettings(load({}))).toBeUndefined();
    const alertsOnly = load({ TELEGRAM_BOT_TOKEN: "1:x" });
    expect(telegramBotSettings(alertsOnly)).toBeUndefined();
    expect(notificationSettings(alertsOnly).telegramAlerts).toMatchObject({ token: "1:x", operatorChat: null });
  });

  it("polls with a token alone, the alert channel on without an operator chat", () => {
    const config = load({ TELEGRAM_BOT_TOKEN: "1:x", TELEGRAM_COMMANDS: "polling" });
    expect(telegramBotSettings(config)).toMatchObject({ mode: "polling", token: "1:x", pollTimeoutS: 25 });
    expect(notificationSettings(config).telegramAlerts).toMatchObject({ token: "1:x", operatorChat: null });
  });

  it("refuses commands without a token and a webhook without an https address or a long enough secret", () => {
    expect(() => telegramBotSettings(load({ TELEGRAM_COMMANDS: "polling" }))).toThrow(/TELEGRAM_BOT_TOKEN/);
    const webhook = { TELEGRAM_BOT_TOKEN: "1:x", TELEGRAM_COMMANDS: "webhook" };
    expect(() => telegramBotSettings(load({ ...webhook, TELEGRAM_WEBHOOK_SECRET: "s".repeat(16) }))).toThrow(
      /TELEGRAM_WEBHOOK_URL/,
    );
    const url = { TELEGRAM_WEBHOOK_URL: "https://bot.example/telegram/webhook" };
    expect(() => telegramBotSettings(load({ ...webhook, ...url, TELEGRAM_WEBHOOK_SECRET: "short" }))).toThrow(
      /TELEGRAM_WEBHOOK_SECRET/,
    );
    expect(
      telegramBotSettings(load({ ...webhook, ...url, TELEGRAM_WEBHOOK_SECRET: "a-secret_of-16-chars" }))?.webhook,
    ).toEqual({ url: url.TELEGRAM_WEBHOOK_URL, secret: "a-secret_of-16-chars", hostname: "127.0.0.1", port: 3016 });
  });
});
