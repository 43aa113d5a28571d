import {
  type Account,
  type AccountModeChange,
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
  type Tick,
  Topics,
  type TradingStateChange,
} from "@jts/contracts";
import {
  AppError,
  badRequest,
  createServiceApp,
  dedupeById,
  envelope,
  followVenueInstruments,
  InstrumentCatalog,
  MemoryAuditLog,
  MetricsRegistry,
  type Runtime,
  rpcClient,
  type Service,
  serveChecked,
} from "@jts/kit";
import { RiskEngine, type RiskEngineOptions } from "./engine.ts";
import {
  CheckRequest,
  RiskLimitsQuery,
  SetRiskLimitsRequest as SetLimitsSchema,
  SetRiskStateRequest as SetStateSchema,
} from "./model.ts";
import { AccountModes } from "./modes.ts";
import { submitRateRefusal } from "./rates.ts";
import { RiskSettingsStore } from "./settings.ts";

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
  /** Where limits and trading states outlive a restart (the platform's PostgreSQL); the cache port when not given. */
  documents?: DocumentStore;
}

const ACTOR = "risk-management";

export function createRiskService(runtime: Runtime, options: RiskServiceOptions = {}) {
  const logger = runtime.logger.child({ service: ACTOR });
  const catalog = options.catalog ?? new InstrumentCatalog();
  const engine = new RiskEngine(catalog, options.limits ?? DEFAULT_RISK_LIMITS, options);
  const audit = options.audit ?? new MemoryAuditLog();
  const subscriptions: Subscription[] = [];
  const modes = new AccountModes();
  const settings = new RiskSettingsStore(runtime.cache, options.documents);
  const persist = () =>
    settings.save(engine).catch((error: unknown) => logger.error("risk settings not saved", { error }));
  const record = (entry: AuditEntry) => {
    audit.record(entry).catch((error: unknown) => logger.error("audit write failed", { error, action: entry.action }));
  };

  const publish = async (change: TradingStateChange) => {
    logger.warn("trading state changed", { ...change });
    record({ actor: change.changedBy, action: "risk.set-state", target: change.account, details: { ...change } });
    await persist();
    await runtime.bus.publish(
      Topics.tradingState,
      envelope(EventTypes.tradingState, ACTOR, change.account ?? "platform", change),
    );
  };
  const publishAll = async (changes: TradingStateChange[]) => {
    for (const change of changes) await publish(change);
  };

  const setState = async (body: SetRiskStateRequest) => {
    const change = engine.setState(body.state, body.reason ?? "set by operator", body.changedBy ?? "operator", {
      account: body.account ?? null,
      cancelOpenOrders: body.cancelOpenOrders ?? false,
    });
    if (change) await publish(change);
    return engine.status();
  };

  const setLimits = async (body: SetRiskLimitsRequest) => {
    if (!body.clear && Object.values(body.limits).every((value) => value === undefined))
      throw badRequest("limits must name at least one limit (or set clear to remove the scope's override)");
    if (body.clear && body.account && !body.symbol) await refuseIfLive(body.account);
    engine.limits.set({ account: body.account, symbol: body.symbol }, body.limits, body.clear ?? false);
    await persist();
    const scope = { account: body.account ?? null, symbol: body.symbol ?? null };
    logger.warn("risk limits changed", { ...scope, limits: body.limits, clear: body.clear ?? false });
    record({
      actor: body.changedBy ?? "operator",
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
      modes.seed(await rpcClient(runtime.rpc, 2000).call(Subjects.accounts, {}));
    } catch (error) {
      logger.warn("account modes not known yet", { error: (error as Error).message });
    }
  };

  const metrics = new MetricsRegistry();
  const decisions = metrics.counter(
    "jts_risk_decisions_total",
    "Pre-trade checks by outcome and the rule that refused",
  );

  /** The engine's checks, then the submit rates through the shared rate limiter (Redis across replicas). */
  const check = async (order: Order): Promise<RiskDecision> => {
    let decision = engine.check(order);
    if (decision.approved) decision = (await submitRate(order)) ?? decision;
    decisions.inc({ decision: decision.approved ? "approved" : "refused", rule: decision.rule ?? "" });
    if (decision.approved) engine.accept(order);
    else logger.info("order refused", { orderId: order.id, rule: decision.rule, reason: decision.reason });
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
        approved: decision.approved,
        rule: decision.rule,
        reason: decision.reason,
      },
    });
    return decision;
  };

  const submitRate = (order: Order): Promise<RiskDecision | null> =>
    submitRateRefusal(runtime.limiter, engine.limits.for(order.account).wire, order, nowNsString);

  /** A stored copy that cannot be applied may have held a kill switch that was on: start HALTED rather than ACTIVE. */
  const restoreSettings = async () => {
    const outcome = await settings.load(engine);
    if (outcome.kind === "restored") logger.info("risk limits and states restored", {});
    if (outcome.kind !== "unreadable") return;
    logger.error("stored risk settings are unreadable; the platform starts HALTED", { why: outcome.why });
    const reason = `stored risk settings are unreadable (${outcome.why}): check limits and states, then resume`;
    const change = engine.setState("HALTED", reason.slice(0, 200), ACTOR);
    if (change) await publish(change);
  };

  /** After a restart, limits must see what is already held: positions and cash accounts from the portfolio. */
  const seed = async () => {
    const { call } = rpcClient(runtime.rpc, 2000);
    try {
      const [positions, accounts] = await Promise.all([call(Subjects.positions, {}), call(Subjects.accounts, {})]);
      for (const position of positions as Position[]) engine.seedPosition(position);
      for (const account of accounts as Account[]) engine.seedAccount(account);
      modes.seed(accounts);
      logger.info("seeded from the portfolio", { positions: positions.length, accounts: accounts.length });
      return true;
    } catch (error) {
      logger.warn("portfolio not reachable yet; limits start from fills only", { error: (error as Error).message });
      return false;
    }
  };

  const app = createServiceApp({ name: ACTOR, logger, metrics })
    .get("/risk", () => engine.status())
    .put("/risk/state", ({ body }) => setState(body), { body: SetStateSchema })
    .get("/risk/limits", ({ query }) => engine.limits.view(query.account ?? null), { query: RiskLimitsQuery })
    .put("/risk/limits", ({ body }) => setLimits(body), { body: SetLimitsSchema })
    .post("/risk/check", ({ body }) => check(body.order), { body: CheckRequest });

  let seedRetry: ReturnType<typeof setTimeout> | undefined;

  return {
    name: ACTOR,
    app,
    engine,
    audit,
    async start() {
      await restoreSettings();
      subscriptions.push(
        await followVenueInstruments(runtime.bus, catalog, logger),
        await runtime.bus.subscribe(Topics.allTicks, (e) => {
          const tick = e.payload as Tick;
          const changes = engine.onPrice(tick.symbol, tick.price);
          return changes.length > 0 ? publishAll(changes) : undefined;
        }),
        await runtime.bus.subscribe(
          Topics.fill,
          dedupeById((e) => publishAll(engine.onFill(e.payload as Fill))),
          { group: ACTOR },
        ),
        await runtime.bus.subscribe(Topics.orderUpdated, (e) => engine.onOrder(e.payload as Order)),
        await runtime.bus.subscribe(Topics.accountMode, (e) => {
          const change = e.payload as AccountModeChange;
          modes.apply(change.account, change.mode);
        }),
        await serveChecked(runtime.rpc, Subjects.riskCheck, CheckRequest, ({ order }) => check(order)),
        await runtime.rpc.serve(Subjects.riskStatus, () => engine.status()),
        await serveChecked(runtime.rpc, Subjects.riskSetState, SetStateSchema, setState),
        await serveChecked(runtime.rpc, Subjects.riskSetLimits, SetLimitsSchema, setLimits),
        await serveChecked(runtime.rpc, Subjects.riskLimitsGet, RiskLimitsQuery, (q) =>
          engine.limits.view(q.account ?? null),
        ),
      );
      // In `just dev` the portfolio starts after risk: try again a few times instead of blocking the start.
      let attempts = 1;
      const retry = async () => {
        if (!(await seed()) && ++attempts <= 10) seedRetry = setTimeout(retry, 3000);
      };
      if (!(await seed())) seedRetry = setTimeout(retry, 3000);
    },
    async stop() {
      clearTimeout(seedRetry);
      await Promise.all(subscriptions.splice(0).map((s) => s.unsubscribe()));
    },
  } satisfies Service & { engine: RiskEngine; audit: AuditLog };
}

export type App = ReturnType<typeof createRiskService>["app"];
