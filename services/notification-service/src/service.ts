import {
  type Alert,
  EventTypes,
  type Fill,
  Id,
  type Order,
  Subjects,
  type Subscription,
  Topics,
  type TradingStateChange,
} from "@jts/contracts";
import { createServiceApp, dedupeById, envelope, type Runtime, type Service, serveChecked } from "@jts/kit";
import { t } from "elysia";
import { alertForFill, alertForOrder, alertForTradingState } from "./rules.ts";

const AlertQuery = t.Object({
  accounts: t.Optional(t.Array(Id)),
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 500 })),
});

/** Keeps the latest alerts and announces each on the bus (the WebSocket hub forwards them). */
export function createNotificationService(runtime: Runtime, options: { capacity?: number } = {}) {
  const logger = runtime.logger.child({ service: "notification-service" });
  const capacity = options.capacity ?? 500;
  const alerts: Alert[] = [];
  const subscriptions: Subscription[] = [];

  const raise = async (alert: Alert | null) => {
    if (!alert) return;
    alerts.push(alert);
    if (alerts.length > capacity) alerts.shift();
    await runtime.bus.publish(
      Topics.alert,
      envelope(EventTypes.alert, "notification-service", alert.account ?? "platform", alert),
    );
  };

  /** Newest first; platform-wide alerts reach everyone, account alerts only their accounts. */
  const list = (accounts?: string[], limit = 100) =>
    alerts
      .filter((a) => !accounts || a.account === null || accounts.includes(a.account))
      .slice(-limit)
      .reverse();

  const app = createServiceApp({ name: "notification-service", logger }).get(
    "/alerts",
    ({ query }) => list(undefined, query.limit),
    {
      query: t.Omit(AlertQuery, ["accounts"]),
    },
  );

  return {
    name: "notification-service",
    app,
    list,
    async start() {
      const group = { group: "notification-service" };
      subscriptions.push(
        await runtime.bus.subscribe(
          Topics.orderUpdated,
          dedupeById((e) => raise(alertForOrder(e.payload as Order))),
          group,
        ),
        await runtime.bus.subscribe(
          Topics.fill,
          dedupeById((e) => raise(alertForFill(e.payload as Fill))),
          group,
        ),
        await runtime.bus.subscribe(
          Topics.tradingState,
          dedupeById((e) => raise(alertForTradingState(e.payload as TradingStateChange))),
          group,
        ),
        await serveChecked(runtime.rpc, Subjects.alertList, AlertQuery, ({ accounts, limit }) => list(accounts, limit)),
      );
    },
    async stop() {
      await Promise.all(subscriptions.splice(0).map((s) => s.unsubscribe()));
    },
  } satisfies Service & { list: typeof list };
}

export type App = ReturnType<typeof createNotificationService>["app"];
