import {
  type AccountModeChange,
  type Alert,
  AlertQuery,
  type DocumentStore,
  type Envelope,
  EventTypes,
  type Fill,
  type Order,
  type Position,
  Subjects,
  type Subscription,
  Topics,
  type TradingStateChange,
  type VenueStatus,
} from "@jts/contracts";
import {
  AnnouncingDocumentStore,
  createServiceApp,
  dedupeById,
  envelope,
  followDocuments,
  MemoryDocumentStore,
  MetricsRegistry,
  newId,
  type Runtime,
  rpcClient,
  type Service,
  serve,
  unreadableReason,
} from "@jts/kit";
import { t } from "elysia";
import { DEFAULT_ROUTES, type NotificationSettings, parseRoutes } from "./config.ts";
import { Notifier } from "./notifier.ts";
import { createPush, PUSH_COLLECTION } from "./push/index.ts";
import { DEFAULT_RETRY } from "./retry.ts";
import { RULES_COLLECTION, RuleBook } from "./rule-book.ts";
import {
  alertForAccountMode,
  alertForFill,
  alertForLoss,
  alertForOrder,
  alertForTradingState,
  alertForVenue,
  type Notice,
} from "./rules.ts";
import { Suppressor } from "./suppressor.ts";
import { BotApi, createTelegramBot, type TelegramBotSettings, telegramAlertChannel } from "./telegram/index.ts";

export interface NotificationOptions extends Partial<NotificationSettings> {
  /**
   * Where the users' notification rules live (MongoDB in the stack, PostgreSQL
   * JSONB under `just dev`); in memory when not given. `routes` (NOTIFY_ROUTES)
   * only seeds the first rule, `seedUser`'s, into an empty collection.
   */
  documents?: DocumentStore;
  /** Whose rule the environment's routes seed (JTS_ADMIN_USER). */
  seedUser?: string;
  /** A rule collection the store could not read is read again after this long (ms). */
  rulesRetryMs?: number;
  /** Alerts kept for the in-app list. */
  capacity?: number;
  /**
   * The two-way Telegram bot (TELEGRAM_COMMANDS); absent: link codes are served, nothing answers chats.
   * The alert channel is `telegramAlerts` (from the settings): on with a token, whether or not this replica answers chats.
   */
  telegram?: TelegramBotSettings;
  /** How push requests reach the push service (tests: the local fake push service); fetch by default. */
  pushTransport?: typeof fetch;
  /** Replaces the waits between retries (tests). */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Turns platform events into alerts: keeps the latest for the app, announces
 * each on the bus (the WebSocket hub forwards them), and sends the routed
 * kinds to webhook, email, Telegram and Web Push, once per cause. Telegram
 * (telegram/alerts.ts) and Web Push (push/) go to each user's own chats and
 * devices; webhook and email to the platform's one address each.
 */
export function createNotificationService(runtime: Runtime, options: NotificationOptions = {}) {
  const logger = runtime.logger.child({ service: "notification-service" });
  const capacity = options.capacity ?? 500;
  const alerts: Alert[] = [];
  const subscriptions: Subscription[] = [];
  const channels = options.channels ?? [];
  const lossThresholds = options.lossThresholds ?? new Map();
  const metrics = new MetricsRegistry();

  const replica = `notification-service:${newId()}`;
  const documents = new AnnouncingDocumentStore(
    options.documents ?? new MemoryDocumentStore(),
    runtime.bus,
    replica,
    logger,
  );
  const configured = [
    ...channels.map((c) => c.name),
    ...(options.telegramAlerts ? (["telegram"] as const) : []),
    ...(options.vapid ? (["push"] as const) : []),
  ];
  const rules = new RuleBook(documents, configured, logger);
  const push = createPush(options.vapid ?? null, {
    documents,
    rules,
    rpc: runtime.rpc,
    logger,
    ...(options.pushTransport ? { transport: options.pushTransport } : {}),
  });
  let rulesRetry: ReturnType<typeof setInterval> | undefined;
  const telegram = createTelegramBot(runtime, documents, options.telegram, logger);
  const { call } = rpcClient(runtime.rpc, 2000);
  const telegramAlerts = options.telegramAlerts
    ? telegramAlertChannel({
        api: new BotApi(options.telegramAlerts.token, options.telegramAlerts.baseUrl),
        links: telegram.links,
        operatorChat: options.telegramAlerts.operatorChat,
        operatorUser: options.telegramAlerts.operatorUser,
        recipients: (alert) => rules.usersFor(alert, "telegram", new Date()),
        accountsOf: async (user) => (await call(Subjects.accounts, { owner: user })).map((a) => a.id),
        userState: (username) => call(Subjects.userState, { username }),
        logger,
      })
    : null;

  const notifier = new Notifier({
    channels: [...channels, ...(telegramAlerts ? [telegramAlerts] : []), ...(push.channel ? [push.channel] : [])],
    routes: (alert) => rules.channelsFor(alert, new Date()),
    suppressor: new Suppressor(options.dedupeWindowMs ?? 300_000),
    retry: options.retry ?? DEFAULT_RETRY,
    logger,
    metrics,
    ...(options.sleep ? { sleep: options.sleep } : {}),
    inApp: async (alert) => {
      alerts.push(alert);
      if (alerts.length > capacity) alerts.shift();
      await runtime.bus.publish(
        Topics.alert,
        envelope(EventTypes.alert, "notification-service", alert.account ?? "platform", alert),
      );
    },
  });

  /** Newest first; platform-wide alerts reach everyone, account alerts only their accounts. */
  const list = (accounts?: string[], limit = 100) =>
    alerts
      .filter((a) => !accounts || a.account === null || accounts.includes(a.account))
      .slice(-limit)
      .reverse();

  const app = createServiceApp({
    name: "notification-service",
    logger,
    metrics,
    readiness: {
      rules: () => rules.loadError ?? unreadableReason(RULES_COLLECTION, rules.unreadable),
      pushSubscriptions: push.readiness,
    },
  })
    .get("/alerts", ({ query }) => list(undefined, query.limit), { query: t.Omit(AlertQuery, ["accounts"]) })
    .get("/deliveries", () => notifier.stats);

  /** Same envelope redelivered: dropped before the rule runs; same cause in a new envelope: by the notice key. */
  const on = <P>(rule: (payload: P) => Notice | null) =>
    dedupeById((e: Envelope<P>) => notifier.notify(rule(e.payload)).then(() => {}));

  return {
    name: "notification-service",
    app,
    list,
    notifier,
    rules,
    telegram,
    async start() {
      const seedRoutes =
        options.routes ??
        parseRoutes(
          DEFAULT_ROUTES,
          configured.filter((c) => c !== "push"),
        );
      /** Seeds (an empty collection only) and loads; false while the store does not answer. */
      const openRules = async () => {
        try {
          await rules.seed(options.seedUser ?? "admin", seedRoutes);
        } catch (error) {
          logger.error("notification rules not seeded yet", { error: (error as Error).message });
        }
        const [rulesRead, subscriptionsRead] = await Promise.all([rules.load(), push.subscriptions.load()]);
        return rulesRead && subscriptionsRead;
      };
      // A store that does not answer now is asked again; until then alerts go in-app only, and /ready says why.
      if (!(await openRules()))
        rulesRetry = setInterval(async () => {
          if (await openRules()) clearInterval(rulesRetry);
        }, options.rulesRetryMs ?? 5000);
      // Alerts decide no order: they run after the order path.
      const group = { group: "notification-service", lane: "background" } as const;
      subscriptions.push(
        await followDocuments(runtime.bus, documents, RULES_COLLECTION, { source: replica, logger }, () =>
          rules.load().then(() => {}),
        ),
        await followDocuments(runtime.bus, documents, PUSH_COLLECTION, { source: replica, logger }, () =>
          push.subscriptions.load().then(() => {}),
        ),
        ...(await push.serve()),
        await serve(runtime.rpc, Subjects.notificationRulesGet, ({ user }) => rules.view(user)),
        await serve(runtime.rpc, Subjects.notificationRulesSet, ({ user, version, rule }) =>
          rules.set(user, version, rule),
        ),
        await runtime.bus.subscribe(Topics.orderUpdated, on<Order>(alertForOrder), group),
        await runtime.bus.subscribe(Topics.fill, on<Fill>(alertForFill), group),
        await runtime.bus.subscribe(Topics.tradingState, on<TradingStateChange>(alertForTradingState), group),
        await runtime.bus.subscribe(Topics.accountMode, on<AccountModeChange>(alertForAccountMode), group),
        await runtime.bus.subscribe(Topics.venueStatus, on<VenueStatus>(alertForVenue), group),
        await runtime.bus.subscribe(
          Topics.positionUpdated,
          on<Position>((p) => alertForLoss(p, lossThresholds)),
          group,
        ),
        await serve(runtime.rpc, Subjects.alertList, ({ accounts, limit }) => list(accounts, limit)),
      );
      await telegram.start();
    },
    async stop() {
      await telegram.stop();
      clearInterval(rulesRetry);
      await Promise.all(subscriptions.splice(0).map((s) => s.unsubscribe()));
      await notifier.idle();
    },
    push,
  } satisfies Service & {
    list: typeof list;
    notifier: Notifier;
    rules: RuleBook;
    telegram: typeof telegram;
    push: typeof push;
  };
}

export type App = ReturnType<typeof createNotificationService>["app"];
