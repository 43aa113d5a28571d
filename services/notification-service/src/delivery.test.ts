import { describe, expect, it } from "bun:test";
import { ConfigError, loadConfig } from "@jts/kit";
import { silentLogger } from "@jts/kit/testing";
import { notificationConfigSpec, notificationSettings, parseLossThresholds, parseRoutes } from "./config.ts";
import { Notifier } from "./notifier.ts";
import { backoffDelay, PermanentError, withRetry } from "./retry.ts";
import { alertForVenue } from "./rules.ts";
import { Suppressor } from "./suppressor.ts";

describe("retries", () => {
  it("waits base x 2^n between tries, capped, and returns the first success", async () => {
    const waits: number[] = [];
    let tries = 0;
    const result = await withRetry(
      async () => {
        if (++tries < 5) throw new Error("503");
        return "ok";
      },
      { attempts: 6, baseDelayMs: 100, maxDelayMs: 500 },
      undefined,
      async (ms) => void waits.push(ms),
    );
    expect(result).toBe("ok");
    expect(waits).toEqual([100, 200, 400, 500]);
    expect(backoffDelay({ attempts: 9, baseDelayMs: 500, maxDelayMs: 30_000 }, 8)).toBe(30_000);
  });

  it("stops at a permanent error and after the last try, rethrowing the error", async () => {
    let tries = 0;
    const sleep = async () => {};
    const policy = { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 };
    await expect(
      withRetry(
        async () => {
          tries++;
          throw new PermanentError("400 bad request");
        },
        policy,
        undefined,
        sleep,
      ),
    ).rejects.toThrow("400 bad request");
    expect(tries).toBe(1);
    await expect(
      withRetry(
        async () => {
          tries++;
          throw new Error("down");
        },
        policy,
        undefined,
        sleep,
      ),
    ).rejects.toThrow("down");
    expect(tries).toBe(4);
  });
});

describe("suppression of repeats", () => {
  it("admits a key once per window and again after it", () => {
    let now = 1000;
    const suppressor = new Suppressor(60_000, () => now);
    expect(suppressor.admit("LOSS_THRESHOLD:acc:005930")).toBe(true);
    expect(suppressor.admit("LOSS_THRESHOLD:acc:005930")).toBe(false);
    expect(suppressor.admit("LOSS_THRESHOLD:acc:BTC-KRW")).toBe(true);
    now += 59_999;
    expect(suppressor.admit("LOSS_THRESHOLD:acc:005930")).toBe(false);
    now += 1;
    expect(suppressor.admit("LOSS_THRESHOLD:acc:005930")).toBe(true);
    suppressor.forget("LOSS_THRESHOLD:acc:005930");
    expect(suppressor.admit("LOSS_THRESHOLD:acc:005930")).toBe(true);
  });
});

describe("notification configuration", () => {
  const env = {
    NOTIFY_WEBHOOK_URL: "http://127.0.0.1:9/hook",
    NOTIFY_WEBHOOK_SECRET: "0123456789abcdef",
    NOTIFY_SMTP_HOST: "127.0.0.1",
    NOTIFY_SMTP_TO: "ops@example.test, lead@example.test",
    NOTIFY_ROUTES: "ORDER_FILLED=webhook; TRADING_STATE=*",
    NOTIFY_LOSS_THRESHOLDS: "KRW:100000,USDT:50.5",
  };

  it("turns on the channels whose address is set and routes kinds to them", () => {
    const settings = notificationSettings(loadConfig(notificationConfigSpec, env));
    expect(settings.channels.map((c) => c.name)).toEqual(["webhook", "email"]);
    expect([...settings.routes]).toEqual([
      ["ORDER_FILLED", ["webhook"]],
      ["TRADING_STATE", ["webhook", "email"]],
    ]);
    expect([...settings.lossThresholds]).toEqual([
      ["KRW", 100_000_000_000_000n],
      ["USDT", 50_500_000_000n],
    ]);
    expect(settings.retry).toEqual({ attempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 });
    // Nothing configured: in-app only, the default routes name no channel.
    const bare = notificationSettings(loadConfig(notificationConfigSpec, {}));
    expect(bare.channels).toEqual([]);
    expect([...bare.routes.values()].flat()).toEqual([]);
  });

  it("refuses a half-configured channel, an unknown kind or channel, and a malformed threshold", () => {
    const settings = (overrides: Record<string, string>) => () =>
      notificationSettings(loadConfig(notificationConfigSpec, { ...env, ...overrides }));
    expect(settings({ NOTIFY_WEBHOOK_SECRET: "short" })).toThrow("NOTIFY_WEBHOOK_SECRET");
    expect(settings({ NOTIFY_SMTP_TO: "" })).toThrow("NOTIFY_SMTP_TO");
    expect(settings({ TELEGRAM_CHAT_ID: "-100" })).toThrow("TELEGRAM_BOT_TOKEN");
    expect(() => parseRoutes("ORDER_FILED=webhook", ["webhook"])).toThrow("kind must be one of");
    expect(() => parseRoutes("ORDER_FILLED=sms", ["webhook"])).toThrow("unknown channel sms");
    expect(() => parseRoutes("ORDER_FILLED=telegram", ["webhook"])).toThrow("telegram is not configured");
    expect(() => parseLossThresholds("krw:1")).toThrow("CURRENCY:amount");
    expect(() => parseLossThresholds("KRW:-5")).toThrow("CURRENCY:amount");
    expect(() => loadConfig(notificationConfigSpec, { NOTIFY_RETRY_ATTEMPTS: "0" })).toThrow(ConfigError);
  });
});

describe("notifier", () => {
  it("does not take the redelivery of an event it failed to raise for a repeat", async () => {
    let failInApp = true;
    const raised: string[] = [];
    const notifier = new Notifier({
      channels: [],
      routes: new Map(),
      suppressor: new Suppressor(60_000),
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
      logger: silentLogger,
      inApp: async (alert) => {
        if (failInApp) throw new Error("bus down");
        raised.push(alert.id);
      },
    });
    const notice = alertForVenue({ venue: "upbit", connected: false, reason: "eof", tsEvent: "1" });
    await expect(notifier.notify(notice)).rejects.toThrow("bus down");
    failInApp = false;
    expect(await notifier.notify(notice)).toBe(true);
    expect(await notifier.notify(notice)).toBe(false);
    expect(raised).toHaveLength(1);
  });
});
