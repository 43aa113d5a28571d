import {
  AmendFields,
  CancelAllRequest,
  FillsQuery,
  OrderQuery,
  OrderRequest,
  type SessionEnd,
  Subjects,
  type Subscription,
  Topics,
} from "@jts/contracts";
import {
  createServiceApp,
  followVenueInstruments,
  InstrumentCatalog,
  type Logger,
  MetricsRegistry,
  type ReadinessCheck,
  type Runtime,
  rpcClient,
  type Service,
  serve,
} from "@jts/kit";
import { t } from "elysia";
import { OrderManager } from "./manager.ts";
import { MemoryOrderRepository } from "./memory-repository.ts";
import type { OrderRepository } from "./repository.ts";
import { AccountModeBook, type AccountModeLookup } from "./routing.ts";
import type { OutcomeLookupOptions } from "./unknown-outcomes.ts";

/** Something that runs while the service runs, such as the outbox relay. */
export interface Startable {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface OrderExecutionOptions {
  catalog?: InstrumentCatalog;
  /** venue -> broker for LIVE accounts; `sim` routes to `paper` by default. */
  routes?: Record<string, string>;
  defaultAccount?: string;
  /** PAPER accounts go to the paper broker; by default the modes the portfolio announces (AccountModeBook). */
  accountMode?: AccountModeLookup;
  /** broker -> whether its venue holds stops; the OMS holds the others' (paper: yes). */
  nativeStops?: Record<string, boolean>;
  /** broker -> whether its venue amends in place (KIS 정정, Creon modify); the others cancel-replace. */
  nativeAmend?: Record<string, boolean>;
  /** An automatic HALT keeps the reduce-only protective stops (on by default; see protective.ts). */
  haltKeepsProtectiveStops?: boolean;
  /** When DAY orders end (held stops); the next UTC midnight by default. */
  sessionEnd?: SessionEnd;
  /**
   * How long start waits for the account modes (AccountModeBook) before it
   * resumes the orders a crash left NEW (5 s). Until they load every account
   * reads PAPER, and a resumed order bound to a LIVE broker is then looked up
   * there rather than placed: waiting lets one whose account is still LIVE go out.
   */
  modesWaitMs?: number;
  /** Compare with every broker at start (on by default). */
  reconcileOnStart?: boolean;
  /** How long reconciliation lets redelivered reports land before it folds fill differences (15 s). */
  reconcileSettleMs?: number;
  /** How often reconciliation runs again after the start (30 s; 0 = only at start). */
  reconcileEveryMs?: number;
  /** How OUTCOME_UNKNOWN orders are looked up at their venue. */
  outcomeLookups?: OutcomeLookupOptions;
  /** How old a NEW order no process routes grows before reconciliation looks it up at its venue (60 s). */
  staleNewMs?: number;
  /** How long a broker rpc may take before its outcome counts as unknown (the rpc default, 5 s). */
  rpcTimeoutMs?: number;
  /** How often held DAY stops are checked for expiry. */
  expiryCheckMs?: number;
  /** Where orders live; in memory, publishing straight to the bus, when omitted. */
  repository?: OrderRepository;
  /** Publishes what the repository commits (the Postgres outbox relay); started and stopped with the service. */
  relay?: Startable;
  /** Extra /ready checks, e.g. the database. */
  readiness?: Record<string, ReadinessCheck>;
}

export function createOrderExecutionService(runtime: Runtime, options: OrderExecutionOptions = {}) {
  const logger = runtime.logger.child({ service: "order-execution" });
  const repository = options.repository ?? new MemoryOrderRepository(runtime.bus, logger);
  const modeBook = options.accountMode ? null : new AccountModeBook();
  const catalog = options.catalog ?? new InstrumentCatalog();
  const manager = new OrderManager(repository, catalog, runtime.rpc, logger, {
    routes: options.routes ?? { sim: "paper" },
    defaultAccount: options.defaultAccount ?? "paper-main",
    accountMode: options.accountMode ?? modeBook?.lookup,
    nativeStops: options.nativeStops,
    nativeAmend: options.nativeAmend,
    haltKeepsProtectiveStops: options.haltKeepsProtectiveStops,
    sessionEnd: options.sessionEnd,
    outcomeLookups: options.outcomeLookups,
    staleNewMs: options.staleNewMs,
    rpcTimeoutMs: options.rpcTimeoutMs,
  });
  const subscriptions: Subscription[] = [];
  let expiryTimer: ReturnType<typeof setInterval> | undefined;
  let reconciled: Promise<void> = Promise.resolve();
  let reconcileTimer: ReturnType<typeof setInterval> | undefined;
  /** One reconciliation at a time: a run waits out its settle period, the next tick skips while it does. */
  let reconciling = false;
  const runReconcile = (): Promise<void> => {
    if (reconciling) return reconciled;
    reconciling = true;
    reconciled = manager
      .reconcile(options.reconcileSettleMs ?? 15_000)
      .then(() => undefined)
      .catch((error: unknown) => logger.error("reconciliation failed", { error: (error as Error).message }))
      .finally(() => {
        reconciling = false;
      });
    return reconciled;
  };

  const metrics = new MetricsRegistry();
  exportUnknownOutcomes(metrics, repository);
  const app = createServiceApp({ name: "order-execution", logger, readiness: options.readiness, metrics })
    .post(
      "/orders",
      async ({ body, set }) => {
        const { order, created } = await manager.submit(body);
        set.status = created ? 201 : 200;
        return order;
      },
      { body: OrderRequest },
    )
    .get("/orders", ({ query }) => manager.list(query), { query: t.Omit(OrderQuery, ["accounts"]) })
    .get("/orders/:id", ({ params }) => manager.get(params.id), { params: t.Object({ id: t.String() }) })
    .delete("/orders/:id", ({ params }) => manager.cancel(params.id), { params: t.Object({ id: t.String() }) })
    .post("/orders/cancel-all", async ({ body }) => ({ canceled: await manager.cancelAll(body) }), {
      body: t.Omit(CancelAllRequest, ["accounts"]),
    })
    .patch("/orders/:id", ({ params, body }) => manager.amend(params.id, body), {
      params: t.Object({ id: t.String() }),
      body: AmendFields,
    })
    .get("/fills", ({ query }) => manager.listFills(query), { query: t.Omit(FillsQuery, ["accounts"]) });

  return {
    name: "order-execution",
    app,
    manager,
    repository,
    async start() {
      // First, so events committed before a restart go out before new ones.
      await options.relay?.start();
      if (modeBook) subscriptions.push(await modeBook.start(runtime.bus, rpcClient(runtime.rpc), logger));
      subscriptions.push(await followVenueInstruments(runtime.bus, catalog, logger));
      subscriptions.push(
        // The repository records each report's event id with its state change: redeliveries are no-ops.
        await runtime.bus.subscribe(Topics.executionReport, (e) => manager.onReport(e.payload, e.id), {
          group: "order-execution",
        }),
        await serve(runtime.rpc, Subjects.orderSubmit, (request) => manager.submit(request)),
        await serve(runtime.rpc, Subjects.orderCancel, ({ orderId, accounts }) => manager.cancel(orderId, accounts)),
        await serve(runtime.rpc, Subjects.orderCancelAll, async (request) => ({
          canceled: await manager.cancelAll(request),
        })),
        await serve(runtime.rpc, Subjects.orderAmend, ({ orderId, changes, accounts }) =>
          manager.amend(orderId, changes, accounts),
        ),
        // HALTED with cancelOpenOrders: the OMS carries out the cancel.
        await runtime.bus.subscribe(
          Topics.tradingState,
          (e) => manager.onTradingState(e.payload).then(() => undefined),
          { group: "order-execution" },
        ),
        // Market data only matters for the stops this OMS holds; the manager returns at once without any.
        // Live (SubscribeOptions.live): a held stop triggers on the price now, not on ticks replayed after a restart.
        await runtime.bus.subscribe(Topics.allQuotes, (e) => manager.onQuote(e.payload), {
          group: "order-execution",
          live: true,
        }),
        await runtime.bus.subscribe(Topics.allTicks, (e) => manager.onTick(e.payload), {
          group: "order-execution",
          live: true,
        }),
        await serve(runtime.rpc, Subjects.orderGet, ({ orderId, accounts }) => manager.get(orderId, accounts)),
        await serve(runtime.rpc, Subjects.orderList, (query) => manager.list(query)),
        await serve(runtime.rpc, Subjects.fillList, (query) => manager.listFills(query)),
      );
      const held = await manager.loadHeldStops();
      if (held > 0) logger.info("holding stops from the last run", { count: held });
      // After the report consumer is live, so the reports of a resumed order are folded in; and, when there
      // is one, once the account modes are in (or the wait is over): not judged against the PAPER default.
      const resumed = await manager.resumeNew(
        modeBook ? () => modesLoadedOrTimeout(modeBook, options.modesWaitMs ?? 5000, logger) : undefined,
      );
      if (resumed > 0) logger.warn("resumed orders left NEW by the last run", { count: resumed });
      const unknown = await manager.resumeUnknown();
      if (unknown > 0) logger.warn("looking up orders left OUTCOME_UNKNOWN by the last run", { count: unknown });
      // In the background: it waits for redelivered reports before folding fill differences.
      // A failed reconciliation is logged, not fatal; the next run tries again.
      if (options.reconcileOnStart ?? true) void runReconcile();
      const every = options.reconcileEveryMs ?? 30_000;
      if (every > 0) reconcileTimer = setInterval(() => void runReconcile(), every);
      expiryTimer = setInterval(
        () =>
          void manager
            .expireHeldStops()
            .catch((error: unknown) => logger.error("held stop expiry failed", { error: (error as Error).message })),
        options.expiryCheckMs ?? 1000,
      );
    },
    /** Settles once the start-up reconciliation has finished. */
    reconciled: () => reconciled,
    async stop() {
      modeBook?.stop();
      clearInterval(expiryTimer);
      clearInterval(reconcileTimer);
      manager.outcomes.stop();
      await Promise.all(subscriptions.splice(0).map((s) => s.unsubscribe()));
      // Last, so it drains what the handlers above committed.
      await options.relay?.stop();
    },
  } satisfies Service & { manager: OrderManager; repository: OrderRepository; reconciled: () => Promise<void> };
}

export type App = ReturnType<typeof createOrderExecutionService>["app"];

/**
 * jts_orders_unknown_outcome{venue}: how many orders are OUTCOME_UNKNOWN now (a
 * timeout after the venue may have acted; OutcomeLookups resolves them), counted
 * in the repository at each scrape, so the number survives a restart and cannot
 * drift from the orders. A venue whose last one was resolved reads 0, not a stale
 * count (alert OrdersWithUnknownOutcome, host/docker/prometheus/alerts.yml).
 */
function exportUnknownOutcomes(metrics: MetricsRegistry, repository: OrderRepository): void {
  const gauge = metrics.gauge("jts_orders_unknown_outcome", "Orders whose outcome at the venue is unknown, by venue");
  const venues = new Set<string>();
  metrics.onScrape(async () => {
    const counts = new Map<string, number>();
    for (const order of await repository.list({ status: "OUTCOME_UNKNOWN" }))
      counts.set(order.venue, (counts.get(order.venue) ?? 0) + 1);
    for (const venue of counts.keys()) venues.add(venue);
    for (const venue of venues) gauge.set(counts.get(venue) ?? 0, { venue });
  });
}

async function modesLoadedOrTimeout(book: AccountModeBook, waitMs: number, logger: Logger): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const loaded = await Promise.race([
    book.loaded.then(() => true),
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), waitMs);
    }),
  ]);
  clearTimeout(timer);
  if (!loaded) logger.warn("account modes not loaded; resuming orders against the PAPER default", { waitMs });
}
