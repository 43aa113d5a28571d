import {
  type Account,
  type AuditEntry,
  type AuditLog,
  type DocumentStore,
  EventTypes,
  type Fill,
  nowNsString,
  type Order,
  type Position,
  type RiskDecision,
  type RiskLimits,
  type SetRiskLimitsRequest,
  type SetRiskStateRequest,
  Subjects,
  type Subscription,
  Topics,
  type TradingStateChange,
} from "@jts/contracts";
import {
  AnnouncingDocumentStore,
  AppError,
  badRequest,
  createServiceApp,
  dedupeById,
  envelope,
  followDocuments,
  followVenueInstruments,
  httpActor,
  InstrumentCatalog,
  type Logger,
  MemoryAuditLog,
  MetricsRegistry,
  newId,
  type Runtime,
  rpcClient,
  type Service,
  serve,
} from "@jts/kit";
import { RiskEngine, type RiskEngineOptions } from "./engine.ts";
import {
  CheckRequest,
  RiskLimitsQuery,
  SetRiskLimitsRequest as SetLimitsSchema,
  SetRiskStateRequest as SetStateSchema,
} from "./model.ts";
import { AccountModes } from "./modes.ts";
import { WORKING_STATUSES } from "./orders.ts";
import { submitRateRefusal } from "./rates.ts";
import { type Replay, RiskSettingsStore, SETTINGS_COLLECTION } from "./settings.ts";

/**
 * Platform defaults; accounts and instruments override them at run time (PUT /api/risk/limits).
 * The identical-order window is off by default: equal slices sent in a burst (TWAP, a
 * client's batch) are legitimate; turn it on per account or instrument where they are not.
 */
export const DEFAULT_RISK_LIMITS: RiskLimits = {
  maxOrderNotional: "50000000",
  maxPositionNotional: "200000000",
};

export interface RiskServiceOptions extends RiskEngineOptions {
  catalog?: InstrumentCatalog;
  limits?: RiskLimits;
  /** Where decisions and state and limit changes are recorded; in memory when not given. */
  audit?: AuditLog;
  /**
   * Where limits, trading states and day baselines outlive a restart (the
   * documents port: MongoDB in the stack, PostgreSQL JSONB under `just dev`);
   * the cache port when not given. Changes are announced on the bus, and
   * every replica re-reads the settings another one changed.
   */
  documents?: DocumentStore;
  /**
   * How often the stored limits and states are read again (and changes the
   * store did not take are stored again), in case an announcement was lost:
   * the longest a replica trades on a stale copy. 0 turns it off. Default 5 s.
   */
  settingsPollMs?: number;
  /** How often day baselines and drawdown peaks that moved are saved (state changes save them at once). */
  baselineSaveMs?: number;
  /** Start-up loads from the portfolio and the OMS retry from this delay, doubling up to `loadRetryMaxMs`. */
  loadRetryMs?: number;
  loadRetryMaxMs?: number;
  /**
   * At start, risk skips redelivered fills the portfolio applied at most this
   * long ago (or since an hour before risk last saved, if earlier). Default a day.
   */
  redeliveryLookbackMs?: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Calls `attempt` until it succeeds (returns true), waiting `base` ms, then
 * twice as long each time up to `max`, with a random ±20% so replicas do not
 * retry in step. Never gives up: without what it loads, risk refuses orders.
 */
function retryForever(
  attempt: () => Promise<boolean>,
  base: number,
  max: number,
  timers: Set<ReturnType<typeof setTimeout>>,
  stopped: () => boolean,
): void {
  let delay = base;
  const run = async () => {
    if (stopped() || (await attempt())) return;
    const wait = Math.round(delay * (0.8 + Math.random() * 0.4));
    delay = Math.min(max, delay * 2);
    const timer = setTimeout(() => {
      timers.delete(timer);
      void run();
    }, wait);
    timers.add(timer);
  };
  void run();
}

const ACTOR = "risk-management";

const SEVERITY: Record<TradingStateChange["state"], number> = { ACTIVE: 0, REDUCING: 1, HALTED: 2 };

/**
 * Redoes a state change over another replica's newer copy. A change that
 * makes its scope stricter always holds; one that relaxes it holds only if
 * the scope is still as the change found it: a resume decided on a stale
 * copy never undoes a HALT another replica stored meanwhile.
 */
export const replayState =
  (change: TradingStateChange, logger?: Logger): Replay =>
  (engine) => {
    const states = engine.stateSnapshot();
    const current =
      change.account === null
        ? states.platform.state
        : (states.accounts.find((a) => a.account === change.account)?.state ?? "ACTIVE");
    if (current === change.state) return;
    if (SEVERITY[change.state] < SEVERITY[current] && current !== change.previous) {
      logger?.warn("trading state change dropped: another replica made the scope stricter meanwhile", {
        ...change,
        stored: current,
      });
      return;
    }
    engine.setState(change.state, change.reason, change.changedBy, {
      account: change.account,
      cancelOpenOrders: change.cancelOpenOrders,
    });
  };

export function createRiskService(runtime: Runtime, options: RiskServiceOptions = {}) {
  const logger = runtime.logger.child({ service: ACTOR });
  const catalog = options.catalog ?? new InstrumentCatalog();
  const engine = new RiskEngine(catalog, options.limits ?? DEFAULT_RISK_LIMITS, {
    ...options,
    requireBalances: true,
    requireWorkingOrders: true,
  });
  const audit = options.audit ?? new MemoryAuditLog();
  const subscriptions: Subscription[] = [];
  const modes = new AccountModes();
  /** This process among the risk replicas: it skips its own announcements. */
  const replica = `${ACTOR}:${newId()}`;
  const documents = options.documents && new AnnouncingDocumentStore(options.documents, runtime.bus, replica, logger);
  const settings = new RiskSettingsStore(runtime.cache, options.documents, documents);
  /** Why the stored settings could not be read or applied, until a good copy is loaded or saved; /ready shows it. */
  let settingsProblem: string | null = null;
  /**
   * Set while the stored copy cannot be read: this engine then holds the
   * defaults, not the accounts' own limits, so it must neither trade (resume)
   * nor write its copy over the damaged one (which would make the defaults
   * every replica's limits). The operator repairs or deletes the document.
   */
  let unreadableSettings: string | null = null;
  const refuseWhileUnreadable = () => {
    if (unreadableSettings)
      throw new AppError(
        "CONFLICT",
        `stored risk settings are unreadable (${unreadableSettings}): repair or delete that document first; until then trading stays HALTED and no limit can change`,
      );
  };
  /**
   * Stores a change the engine already holds; `replay` redoes it over another
   * replica's newer copy (see RiskSettingsStore.save). A change the store did
   * not take stays in force here, is redone over every reload, is retried by
   * the periodic re-read, and makes /ready say so.
   */
  const persist = (replay: Replay) => settled(settings.save(engine, replay));
  const settled = (saving: Promise<void>) =>
    saving
      .then(() => {
        settingsProblem = null; // the stored copy is this engine's now, readable again
        unreadableSettings = null;
      })
      .catch((error: unknown) => {
        settingsProblem = `risk settings changed here are not stored (other replicas do not have them): ${(error as Error).message}`;
        logger.error("risk settings not saved", { error: (error as Error).message });
      });
  const persistBaselines = () =>
    settings
      .saveBaselines(engine)
      .catch((error: unknown) => logger.error("risk day baselines not saved", { error: (error as Error).message }));
  const record = (entry: AuditEntry) => {
    audit.record(entry).catch((error: unknown) => logger.error("audit write failed", { error, action: entry.action }));
  };

  /**
   * Records, stores and announces state changes the engine just made. Every
   * change is queued for storing before anything is awaited: a copy another
   * replica wrote, taken over while the first is being stored, must not erase
   * the others from the engine (one tick can trip several accounts).
   */
  const publishAll = async (changes: TradingStateChange[]) => {
    if (changes.length === 0) return;
    const saving = persist((target) => {
      for (const change of changes) replayState(change, logger)(target);
    });
    for (const change of changes) {
      logger.warn("trading state changed", { ...change });
      record({ actor: change.changedBy, action: "risk.set-state", target: change.account, details: { ...change } });
    }
    await saving;
    // A loss limit that tripped is stored with the baselines: a restart does not trip (or forget) it again.
    if (engine.baselinesDirty) await persistBaselines();
    for (const change of changes)
      await runtime.bus.publish(
        Topics.tradingState,
        envelope(EventTypes.tradingState, ACTOR, change.account ?? "platform", change),
      );
  };
  const publish = (change: TradingStateChange) => publishAll([change]);

  /** `actor` is the authenticated caller (the rpc envelope or an authenticated HTTP call), never a body field. */
  const setState = async (body: SetRiskStateRequest, actor: string) => {
    if (body.state !== "HALTED") refuseWhileUnreadable();
    const change = engine.setState(body.state, body.reason ?? "set by operator", actor, {
      account: body.account ?? null,
      cancelOpenOrders: body.cancelOpenOrders ?? false,
    });
    if (change) await publish(change);
    return engine.status();
  };

  const setLimits = async (body: SetRiskLimitsRequest, actor: string) => {
    if (!body.clear && Object.values(body.limits).every((value) => value === undefined))
      throw badRequest("limits must name at least one limit (or set clear to remove the scope's override)");
    refuseWhileUnreadable();
    if (body.clear && body.account && !body.symbol) await refuseIfLive(body.account);
    const change = (target: RiskEngine) =>
      target.limits.set({ account: body.account, symbol: body.symbol }, body.limits, body.clear ?? false);
    change(engine);
    await persist(change);
    const scope = { account: body.account ?? null, symbol: body.symbol ?? null };
    logger.warn("risk limits changed", { ...scope, limits: body.limits, clear: body.clear ?? false });
    record({
      actor,
      action: "risk.set-limits",
      target: body.account ?? null,
      details: { ...scope, limits: body.limits, clear: body.clear ?? false },
    });
    return engine.status();
  };

  /** A LIVE account without its own limits would trade real money bounded only by the platform defaults. */
  const refuseIfLive = async (account: string) => {
    if (!modes.known) await seedModes();
    if (!modes.known)
      throw new AppError("UNAVAILABLE", `cannot confirm that ${account} is not LIVE: the portfolio does not answer`);
    if (modes.isLive(account))
      throw new AppError("CONFLICT", `${account} is LIVE: disarm it before clearing its risk limits`);
  };

  const seedModes = async () => {
    try {
      // consistent: the stored modes, not a portfolio replica's memory (it decides whether limits may be cleared).
      modes.seed(await rpcClient(runtime.rpc, 2000).call(Subjects.accounts, { consistent: true }));
    } catch (error) {
      logger.warn("account modes not known yet", { error: (error as Error).message });
    }
  };

  const metrics = new MetricsRegistry();
  const decisions = metrics.counter(
    "jts_risk_decisions_total",
    "Pre-trade checks by outcome and the rule that refused",
  );
  /** The series nearly every check counts, bound at the first approval: no label key built per order after. */
  let approvedDecisions: ReturnType<typeof decisions.bind> | undefined;

  /**
   * The engine's checks, then the submit rates through the shared rate limiter
   * (Redis across replicas). An approval is reserved at once, before anything
   * is awaited: rpc handlers run concurrently, and a second check must see the
   * first order's cash and exposure (two buys at the same moment on cash for
   * one). A submit-rate refusal (or a limiter that fails) withdraws it.
   */
  const check = async (order: Order, replaces?: string): Promise<RiskDecision> => {
    let decision = engine.check(order, replaces);
    // Balances unknown: try the portfolio now rather than at the next retry (an account added
    // there since, or risk started a moment before it), then decide on what it answered.
    if (!decision.approved && decision.rule === "BALANCE_UNKNOWN" && (await seedOnce()))
      decision = engine.check(order, replaces);
    // Likewise the OMS's working orders (the OMS started after risk, or was down a moment).
    if (!decision.approved && decision.rule === "WORKING_ORDERS_UNKNOWN" && (await loadWorkingOnce()))
      decision = engine.check(order, replaces);
    // Nothing is awaited between the last check and the reservation.
    if (decision.approved) {
      const undo = engine.accept(order, replaces);
      let refusal: RiskDecision | null;
      try {
        refusal = await submitRate(order);
      } catch (error) {
        undo();
        throw error;
      }
      if (refusal) {
        undo();
        decision = refusal;
      }
    }
    if (decision.approved) {
      approvedDecisions ??= decisions.bind({ decision: "approved", rule: "" });
      approvedDecisions.inc();
    } else decisions.inc({ decision: "refused", rule: decision.rule ?? "" });
    if (!decision.approved)
      logger.info("order refused", { orderId: order.id, rule: decision.rule, reason: decision.reason });
    record({
      actor: order.strategyId ?? order.account,
      action: "risk.check",
      target: order.id,
      details: {
        account: order.account,
        symbol: order.symbol,
        side: order.side,
        quantity: order.quantity,
        price: order.price,
        ...(replaces === undefined ? {} : { replaces }),
        approved: decision.approved,
        rule: decision.rule,
        reason: decision.reason,
      },
    });
    return decision;
  };

  const submitRate = (order: Order): Promise<RiskDecision | null> =>
    submitRateRefusal(runtime.limiter, engine.limits.for(order.account).wire, order, nowNsString);

  /**
   * Day baselines and peaks a previous run stored. Unreadable ones are not
   * guessed at: the platform starts HALTED (a fresh baseline could hide today's
   * loss), and the next save replaces the damaged copy.
   */
  const restoreBaselines = async () => {
    const outcome = await settings.loadBaselines(engine);
    // Redelivered fills start at the group's last commit, a little before risk last saved: ask from an hour before that.
    let sinceMs = Date.now() - (options.redeliveryLookbackMs ?? DAY_MS);
    if (outcome.kind === "restored" && outcome.savedAtMs !== undefined)
      sinceMs = Math.min(sinceMs, outcome.savedAtMs - HOUR_MS);
    fillsSinceNs = String(BigInt(Math.max(0, Math.trunc(sinceMs))) * 1_000_000n);
    if (outcome.kind === "restored") logger.info("day baselines and drawdown peaks restored", {});
    if (outcome.kind !== "unreadable") return;
    logger.error("stored day baselines are unreadable; the platform starts HALTED", { why: outcome.why });
    const reason = `stored daily P&L baselines are unreadable (${outcome.why}): check the accounts' daily P&L, then resume`;
    const change = engine.setState("HALTED", reason.slice(0, 200), ACTOR);
    if (change) await publish(change);
  };

  /**
   * A stored copy that cannot be applied may have held a kill switch that was
   * on: start (or, when another replica's change is unreadable, go) HALTED
   * rather than trade on limits nobody can read, and /ready says which copy.
   */
  const restoreSettings = async (when: "start" | "change") => {
    const outcome = await settings.load(engine);
    if (outcome.kind !== "unreadable") unreadableSettings = null;
    if (outcome.kind === "restored") {
      if (settings.pending === 0) settingsProblem = null;
      logger.info(when === "start" ? "risk limits and states restored" : "risk limits and states reloaded", {});
    }
    if (outcome.kind !== "unreadable") return;
    unreadableSettings = outcome.why;
    const problem = `stored risk settings are unreadable: ${outcome.why}`;
    if (problem === settingsProblem) return; // the periodic re-read found the same damage again
    settingsProblem = problem;
    logger.error("stored risk settings are unreadable; the platform is HALTED", { why: outcome.why });
    const reason = `stored risk settings are unreadable (${outcome.why}): check limits and states, then resume`;
    // Never saved over: the damaged copy stays for the operator to repair or delete (refuseWhileUnreadable).
    const change = engine.setState("HALTED", reason.slice(0, 200), ACTOR);
    if (change) {
      record({ actor: ACTOR, action: "risk.set-state", target: null, details: { ...change } });
      await runtime.bus.publish(Topics.tradingState, envelope(EventTypes.tradingState, ACTOR, "platform", change));
    }
  };

  /**
   * After a restart, limits must see what is already held: positions and cash
   * accounts from the portfolio. Until it answers, orders are refused
   * (BALANCE_UNKNOWN) and /ready says why. Positions are taken once (their
   * realized P&L adds up); a later call only learns accounts added since.
   *
   * Fills reach risk through a durable Kafka group: after a restart it
   * redelivers every fill since the group's last commit, including fills the
   * portfolio had applied before risk read its positions. Those are in the
   * seed already; booking them again would double positions, cash and
   * realized P&L. So risk reads the ids of the fills the portfolio applied
   * since shortly before it stopped, before and after reading positions and
   * accounts (the same ids both times, or it reads again: a fill applied in
   * between could be in one and not the other), and skips those fills when
   * they come. Fills that come before the seed wait for it, then the same rule
   * applies.
   */
  let positionsSeeded = false;
  /** Fill ids the seeded positions and cash already include. */
  let seeded = new Set<string>();
  /** Fills that came before the seed; booked (unless the seed holds them) once it is in. */
  const early: Fill[] = [];
  /** Fills applied by the portfolio from this time on (ns) are asked for; set at start. */
  let fillsSinceNs = "0";
  let seeding: Promise<boolean> | null = null;

  const onFill = (fill: Fill) => {
    if (!positionsSeeded) {
      early.push(fill);
      return;
    }
    if (seeded.has(fill.id)) {
      logger.info("redelivered fill skipped: the portfolio's positions risk started from include it", {
        fillId: fill.id,
      });
      return;
    }
    return publishAll(engine.onFill(fill));
  };

  const seedFromPortfolio = async (): Promise<boolean> => {
    const { call } = rpcClient(runtime.rpc, 2000);
    try {
      if (positionsSeeded) {
        const accounts = await call(Subjects.accounts, { consistent: true });
        modes.seed(accounts);
        for (const account of accounts as Account[]) if (!engine.knows(account.id)) engine.seedAccount(account);
        return true;
      }
      const before = await call(Subjects.appliedFills, { since: fillsSinceNs });
      // consistent: the stored books, not a portfolio replica's memory, so they agree with the applied fills read around them.
      const [positions, accounts] = await Promise.all([
        call(Subjects.positions, { consistent: true }),
        call(Subjects.accounts, { consistent: true }),
      ]);
      const after = await call(Subjects.appliedFills, { since: fillsSinceNs });
      if (after.fillIds.length !== before.fillIds.length || after.complete !== before.complete) {
        const why = "the portfolio applied a fill while risk read it; reading it again";
        engine.setBalancesUnknown(why);
        logger.info(why, {});
        return false;
      }
      if (!before.complete)
        logger.error(
          "more fills applied since risk stopped than the portfolio lists; a redelivered older one would be booked twice",
          {
            listed: before.fillIds.length,
          },
        );
      modes.seed(accounts);
      for (const position of positions as Position[]) engine.seedPosition(position);
      seeded = new Set(before.fillIds);
      positionsSeeded = true;
      const changes = engine.seedAccounts(accounts as Account[]);
      let booked = 0;
      for (const fill of early.splice(0))
        if (!seeded.has(fill.id)) {
          changes.push(...engine.onFill(fill));
          booked++;
        }
      logger.info("seeded from the portfolio", {
        positions: positions.length,
        accounts: accounts.length,
        appliedFills: seeded.size,
        earlyFillsBooked: booked,
      });
      // The trips are queued for storing first, before anything is awaited (see publishAll).
      await publishAll(changes);
      await persistBaselines();
      return true;
    } catch (error) {
      const why = `the portfolio does not answer: ${(error as Error).message}`;
      engine.setBalancesUnknown(why);
      logger.warn("balances unknown; orders are refused until the portfolio answers", { error: why });
      return false;
    }
  };
  /** One load at a time: the retry loop and checks that find balances unknown share it. */
  const seedOnce = (): Promise<boolean> => {
    seeding ??= seedFromPortfolio().finally(() => {
      seeding = null;
    });
    return seeding;
  };

  /**
   * The OMS's working orders, so a restarted risk counts what already rests at
   * the venues. Until they are loaded every order is refused
   * (WORKING_ORDERS_UNKNOWN) and /ready says why: approving before would let
   * a new order spend cash or holdings a resting order already holds.
   */
  const seedWorkingOrders = async (): Promise<boolean> => {
    if (engine.workingOrdersPending === null) return true;
    try {
      const { call } = rpcClient(runtime.rpc, 2000);
      const lists = await Promise.all(WORKING_STATUSES.map((status) => call(Subjects.orderList, { status })));
      const added = engine.seedWorkingOrders(lists.flat());
      logger.info("working orders loaded from the OMS", { orders: added });
      return true;
    } catch (error) {
      const why = `the OMS does not answer: ${(error as Error).message}`;
      engine.setWorkingOrdersUnknown(why);
      logger.warn("working orders not loaded yet; orders are refused until the OMS answers", { error: why });
      return false;
    }
  };
  let loadingWorking: Promise<boolean> | null = null;
  /** One load at a time: the retry loop and checks that find working orders unknown share it. */
  const loadWorkingOnce = (): Promise<boolean> => {
    loadingWorking ??= seedWorkingOrders().finally(() => {
      loadingWorking = null;
    });
    return loadingWorking;
  };

  const app = createServiceApp({
    name: ACTOR,
    logger,
    metrics,
    readiness: {
      settings: () => settingsProblem ?? true,
      balances: () => engine.balancesPending ?? true,
      workingOrders: () => engine.workingOrdersPending ?? true,
    },
  })
    .get("/risk", () => engine.status())
    // State changes here need the service credential (kit internal plane); operators use PUT /api/risk/*.
    .put("/risk/state", ({ body, request }) => setState(body, httpActor(request.headers)), { body: SetStateSchema })
    .get("/risk/limits", ({ query }) => engine.limits.view(query.account ?? null), { query: RiskLimitsQuery })
    .put("/risk/limits", ({ body, request }) => setLimits(body, httpActor(request.headers)), {
      body: SetLimitsSchema,
    })
    .post("/risk/check", ({ body }) => check(body.order, body.replaces), { body: CheckRequest });

  const timers = new Set<ReturnType<typeof setTimeout>>();
  let stopped = false;
  let baselineTimer: ReturnType<typeof setInterval> | undefined;
  let settingsTimer: ReturnType<typeof setInterval> | undefined;

  return {
    name: ACTOR,
    app,
    engine,
    audit,
    async start() {
      stopped = false;
      await restoreSettings("start");
      await restoreBaselines();
      if (documents)
        subscriptions.push(
          await followDocuments(runtime.bus, documents, SETTINGS_COLLECTION, { source: replica, logger }, (change) =>
            change.name === "settings" ? restoreSettings("change") : undefined,
          ),
        );
      subscriptions.push(
        await followVenueInstruments(runtime.bus, catalog, logger),
        // Prices live (SubscribeOptions.live): exposure is judged at the current price, not at replayed ones.
        await runtime.bus.subscribe(
          Topics.allTicks,
          (e) => {
            const tick = e.payload;
            const changes = engine.onPrice(tick.symbol, tick.price);
            return changes.length > 0 ? publishAll(changes) : undefined;
          },
          { live: true },
        ),
        await runtime.bus.subscribe(
          Topics.fill,
          dedupeById((e) => onFill(e.payload)),
          { group: ACTOR },
        ),
        await runtime.bus.subscribe(
          Topics.allQuotes,
          (e) => {
            const quote = e.payload;
            engine.onQuote(quote.symbol, quote.ask);
          },
          { live: true },
        ),
        await runtime.bus.subscribe(Topics.orderUpdated, (e) => engine.onOrder(e.payload)),
        await runtime.bus.subscribe(Topics.accountMode, (e) => {
          const change = e.payload;
          modes.apply(change.account, change.mode);
        }),
        await serve(runtime.rpc, Subjects.riskCheck, ({ order, replaces }) => check(order, replaces)),
        await serve(runtime.rpc, Subjects.riskStatus, () => engine.status()),
        await serve(runtime.rpc, Subjects.riskSetState, (body, { actor }) => setState(body, actor ?? "service")),
        await serve(runtime.rpc, Subjects.riskSetLimits, (body, { actor }) => setLimits(body, actor ?? "service")),
        await serve(runtime.rpc, Subjects.riskLimitsGet, (q) => engine.limits.view(q.account ?? null)),
      );
      // The portfolio (or the OMS) may start after risk, or be down: keep trying, never give up.
      const base = options.loadRetryMs ?? 500;
      const max = options.loadRetryMaxMs ?? 30_000;
      if (!(await seedOnce())) retryForever(seedOnce, base, max, timers, () => stopped);
      if (!(await loadWorkingOnce())) retryForever(loadWorkingOnce, base, max, timers, () => stopped);
      const pollMs = options.settingsPollMs ?? 5000;
      if (documents && pollMs > 0) {
        let polling = false;
        settingsTimer = setInterval(() => {
          if (polling) return;
          polling = true;
          const poll = settings.pending > 0 ? settled(settings.flush(engine)) : restoreSettings("change");
          void poll
            .catch((error: unknown) => logger.error("risk settings not re-read", { error: (error as Error).message }))
            .finally(() => {
              polling = false;
            });
        }, pollMs);
      }
      baselineTimer = setInterval(() => {
        if (engine.baselinesDirty) void persistBaselines();
      }, options.baselineSaveMs ?? 1000);
    },
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      clearInterval(baselineTimer);
      clearInterval(settingsTimer);
      await Promise.all(subscriptions.splice(0).map((s) => s.unsubscribe()));
      if (engine.baselinesDirty) await persistBaselines();
    },
  } satisfies Service & { engine: RiskEngine; audit: AuditLog };
}

export type App = ReturnType<typeof createRiskService>["app"];
