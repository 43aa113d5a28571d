import { describe, expect, it } from "bun:test";
import { loadConfig } from "@jts/kit";
import { notificationConfigSpec, notificationSettings } from "../config.ts";
import { telegramBotSettings } from "./config.ts";

const load = (env: Record<string, string>) => loadConfig(notificationConfigSpec, env);

describe("Telegram bot settings", () => {
  it("is off by default, and a token alone still needs the chat for alerts", () => {
    expect(telegramBotSettings(load({}))).toBeUndefined();
    expect(() => notificationSettings(load({ TELEGRAM_BOT_TOKEN: "1:x" }))).toThrow(/set together/);
  });

  it("polls with a token alone (no alert channel then)", () => {
    const config = load({ TELEGRAM_BOT_TOKEN: "1:x", TELEGRAM_COMMANDS: "polling" });
    expect(telegramBotSettings(config)).toMatchObject({ mode: "polling", token: "1:x", pollTimeoutS: 25 });
    expect(notificationSettings(config).channels).toEqual([]);
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
