import { afterEach, beforeEach, describe, expect, it } from "bun:test";
import {
  type Alert,
  type Fill,
  type Order,
  type Position,
  Subjects,
  type TradingStateChange,
  type VenueStatus,
} from "@jts/contracts";
import { envelope, loadConfig, memoryRuntime, type Runtime } from "@jts/kit";
import { eventually, fillFixture, silentLogger } from "@jts/kit/testing";
import type { Server } from "bun";
import { verifyWebhook } from "./channels/webhook.ts";
import { notificationConfigSpec, notificationSettings } from "./config.ts";
import { createNotificationService } from "./service.ts";
import { SmtpSink } from "./testing/smtp-sink.ts";

const SECRET = "whsec-test-0123456789";

const rejected = {
  id: "o1",
  account: "acc-1",
  side: "BUY",
  quantity: "1",
  symbol: "005930",
  status: "REJECTED",
  rejectReason: "risk: trading is HALTED",
  updatedAt: "5",
} as Order;

const halted: TradingStateChange = {
  account: null,
  state: "HALTED",
  previous: "ACTIVE",
  reason: "kill switch",
  changedBy: "admin",
  cancelOpenOrders: false,
  tsEvent: "6",
};

const fill: Fill = fillFixture({
  id: "F-1",
  orderId: "o2",
  clientOrderId: "c2",
  account: "acc-1",
  quantity: "1",
  fee: "7",
  tsEvent: "7",
});

const losing = (unrealizedPnl: string, updatedAt: string): Position => ({
  account: "acc-1",
  symbol: "005930",
  venue: "sim",
  quantity: "10",
  averagePrice: "70000",
  realizedPnl: "-70",
  unrealizedPnl,
  lastPrice: "60000",
  currency: "KRW",
  updatedAt,
});

describe("notification service", () => {
  let runtime: Runtime;
  beforeEach(() => {
    runtime = memoryRuntime(silentLogger);
  });

  it("raises alerts for rejections and state changes and shows each account only its own", async () => {
    const service = createNotificationService(runtime);
    await service.start();
    await runtime.bus.publish("order.updated", envelope("Order", "test", "acc-1", rejected));
    await runtime.bus.publish("order.updated", envelope("Order", "test", "acc-1", { ...rejected, status: "ACCEPTED" }));
    await runtime.bus.publish("risk.state", envelope("TradingStateChange", "test", "state", halted));
    await eventually(() => expect(service.list()).toHaveLength(2));
    expect(service.list()[0]).toMatchObject({ kind: "TRADING_STATE", severity: "CRITICAL", account: null });
    expect(service.list()[1]).toMatchObject({ kind: "ORDER_REJECTED", message: "risk: trading is HALTED" });
    expect(service.list(["acc-2"]).map((a) => a.kind)).toEqual(["TRADING_STATE"]);
    await service.stop();
  });

  describe("to outside channels", () => {
    let sink: SmtpSink;
    let hookServer: Server<undefined>;
    let botServer: Server<undefined>;
    /** What the webhook receiver saw: its answer, and whether the signature checked out. */
    let hooks: Array<{ status: number; valid: boolean; alert: Alert }>;
    let hookStatuses: number[];
    let telegram: string[];

    beforeEach(async () => {
      // The gateway: JTS_ADMIN_USER (the operator chat's user) is an admin, so it sees every account's alert.
      await runtime.rpc.serve(Subjects.userState, (req) =>
        (req as { username: string }).username === "admin" ? { role: "admin", disabled: false } : null,
      );
      sink = new SmtpSink();
      hooks = [];
      hookStatuses = [];
      telegram = [];
      hookServer = Bun.serve({
        hostname: "127.0.0.1",
        port: 0,
        async fetch(req) {
          const raw = await req.text();
          const status = hookStatuses.shift() ?? 200;
          hooks.push({ status, valid: verifyWebhook(SECRET, req.headers, raw), alert: JSON.parse(raw) });
          return new Response(status === 200 ? "ok" : "boom", { status });
        },
      });
      botServer = Bun.serve({
        hostname: "127.0.0.1",
        port: 0,
        async fetch(req) {
          telegram.push(((await req.json()) as { text: string }).text);
          return Response.json({ ok: true });
        },
      });
    });
    afterEach(() => {
      sink.stop();
      hookServer.stop(true);
      botServer.stop(true);
    });

    /** The service configured the way main.ts does it: from environment variables. */
    const configured = (extra: Record<string, string> = {}) => {
      const waits: number[] = [];
      const settings = notificationSettings(
        loadConfig(notificationConfigSpec, {
          NOTIFY_WEBHOOK_URL: `http://127.0.0.1:${hookServer.port}/jts`,
          NOTIFY_WEBHOOK_SECRET: SECRET,
          NOTIFY_SMTP_HOST: "127.0.0.1",
          NOTIFY_SMTP_PORT: String(sink.port),
          NOTIFY_SMTP_TO: "ops@example.test",
          TELEGRAM_BOT_TOKEN: "42:TEST",
          TELEGRAM_CHAT_ID: "-100",
          TELEGRAM_BASE_URL: `http://127.0.0.1:${botServer.port}`,
          NOTIFY_ROUTES:
            "ORDER_FILLED=webhook;TRADING_STATE=*;LOSS_THRESHOLD=email,telegram;VENUE_DISCONNECTED=telegram",
          NOTIFY_LOSS_THRESHOLDS: "KRW:50000",
          NOTIFY_RETRY_BASE_MS: "5",
          ...extra,
        }),
      );
      const service = createNotificationService(runtime, {
        ...settings,
        sleep: async (ms) => {
          waits.push(ms);
          await Bun.sleep(ms);
        },
      });
      return { service, waits };
    };

    it("sends a HALT to the webhook (signed), email (SMTP sink) and Telegram (fake Bot API)", async () => {
      const { service } = configured();
      await service.start();
      await runtime.bus.publish("risk.state", envelope("TradingStateChange", "risk", "platform", halted));
      await eventually(() => expect(service.notifier.stats.sent).toBe(3));
      expect(hooks).toMatchObject([
        { status: 200, valid: true, alert: { kind: "TRADING_STATE", title: "Trading HALTED" } },
      ]);
      expect(sink.received).toHaveLength(1);
      expect(sink.received[0]?.data).toContain("Subject: [JTS] Trading HALTED");
      expect(telegram).toEqual([
        "[CRITICAL] Trading HALTED\nACTIVE -> HALTED by admin: kill switch\n(platform, TRADING_STATE)",
      ]);
      // Rejections are not routed outside here: in the app only.
      await runtime.bus.publish("order.updated", envelope("Order", "oms", "acc-1", rejected));
      await eventually(() => expect(service.list()).toHaveLength(2));
      await service.notifier.idle();
      expect(service.notifier.stats).toEqual({ sent: 3, failed: 0, retried: 0, suppressed: 0 });
      await service.stop();
    });

    it("retries a webhook that answers 500 with growing waits until it succeeds", async () => {
      const { service, waits } = configured();
      await service.start();
      hookStatuses.push(500, 500);
      await runtime.bus.publish("order.fill", envelope("Fill", "oms", "acc-1", fill));
      await eventually(() => expect(hooks.map((h) => h.status)).toEqual([500, 500, 200]));
      await service.notifier.idle();
      expect(hooks.every((h) => h.valid)).toBe(true);
      // The same alert each time: receivers can drop a repeat by its id.
      expect(new Set(hooks.map((h) => h.alert.id)).size).toBe(1);
      expect(waits).toEqual([5, 10]);
      expect(service.notifier.stats).toMatchObject({ sent: 1, failed: 0, retried: 2 });
      const metrics = await (await service.app.handle(new Request("http://localhost/metrics"))).text();
      expect(metrics).toContain('notification_deliveries_total{channel="webhook",outcome="retried"} 2');
      expect(metrics).toContain('notification_deliveries_total{channel="webhook",outcome="sent"} 1');
      await service.stop();
    });

    it("gives up after the last try and keeps going with the next alert", async () => {
      const { service } = configured({ NOTIFY_RETRY_ATTEMPTS: "2" });
      await service.start();
      hookStatuses.push(500, 500);
      await runtime.bus.publish("order.fill", envelope("Fill", "oms", "acc-1", fill));
      await eventually(() => expect(service.notifier.stats).toMatchObject({ sent: 0, failed: 1 }));
      await runtime.bus.publish("order.fill", envelope("Fill", "oms", "acc-1", { ...fill, id: "F-2" }));
      await eventually(() => expect(service.notifier.stats).toMatchObject({ sent: 1, failed: 1 }));
      expect(hooks.map((h) => h.status)).toEqual([500, 500, 200]);
      await service.stop();
    });

    it("sends one notification for a fill delivered twice and for a loss that keeps growing", async () => {
      const { service } = configured();
      await service.start();
      // The same fill republished in a new envelope (a new event id): same fill id, same notice.
      await runtime.bus.publish("order.fill", envelope("Fill", "oms", "acc-1", fill));
      const again = envelope("Fill", "oms", "acc-1", fill);
      await runtime.bus.publish("order.fill", again);
      await runtime.bus.publish("order.fill", again);
      // Past the threshold (-70 - 100000 <= -50000) on every tick: one alert per window.
      await runtime.bus.publish("portfolio.position", envelope("Position", "pf", "acc-1", losing("-40000", "8")));
      await runtime.bus.publish("portfolio.position", envelope("Position", "pf", "acc-1", losing("-100000", "9")));
      await runtime.bus.publish("portfolio.position", envelope("Position", "pf", "acc-1", losing("-120000", "10")));
      const down: VenueStatus = { venue: "upbit", connected: false, reason: "socket closed", tsEvent: "11" };
      await runtime.bus.publish("venue.status", envelope("VenueStatus", "broker", "upbit", down));
      await runtime.bus.publish("venue.status", envelope("VenueStatus", "broker", "upbit", { ...down, tsEvent: "12" }));
      await runtime.bus.publish(
        "venue.status",
        envelope("VenueStatus", "broker", "upbit", { ...down, connected: true }),
      );
      await eventually(() => expect(service.notifier.stats.sent).toBe(4));
      await service.notifier.idle();
      expect(hooks).toHaveLength(1);
      expect(sink.received).toHaveLength(1);
      expect(sink.received[0]?.data).toContain("Subject: [JTS] 005930 loss -100070 KRW");
      // Deliveries run side by side: their order is not promised.
      expect(telegram.map((t) => t.split("\n")[0]).sort()).toEqual([
        "[CRITICAL] 005930 loss -100070 KRW",
        "[CRITICAL] Venue upbit disconnected",
      ]);
      expect(
        service
          .list()
          .map((a) => a.kind)
          .sort(),
      ).toEqual(["LOSS_THRESHOLD", "ORDER_FILLED", "VENUE_DISCONNECTED"]);
      // The second fill envelope and loss tick and venue report; the exact redelivery never reaches a rule.
      expect(service.notifier.stats.suppressed).toBe(3);
      await service.stop();
    });
  });
});
