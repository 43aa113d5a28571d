import {
  type AccountModeChange,
  type AuditLog,
  EquityQuery,
  type EquitySnapshot,
  EventTypes,
  type Fill,
  type Position,
  Subjects,
  type Subscription,
  type Tick,
  Topics,
} from "@jts/contracts";
import {
  createServiceApp,
  envelope,
  MemoryAuditLog,
  type ReadinessCheck,
  type Runtime,
  rpcClient,
  type Service,
  serve,
} from "@jts/kit";
import { AccountArming } from "./arming.ts";
import type { AccountSeed } from "./ledger.ts";
import { MemoryPortfolioRepository } from "./memory-repository.ts";
import { FILL_CONSUMER, Portfolio } from "./portfolio.ts";
import { CachedPortfolioRepository } from "./read-model.ts";
import type { PortfolioRepository } from "./repository.ts";

export interface PortfolioOptions {
  /** Created on start when missing; existing accounts keep their balances. */
  accounts: readonly AccountSeed[];
  /** Least time between two unrealized-P&L updates of one position. */
  markThrottleMs?: number;
  /** Where the books live; in memory when omitted. */
  repository?: PortfolioRepository;
  /** Extra /ready checks, e.g. the database. */
  readiness?: Record<string, ReadinessCheck>;
  /** Where arming and disarming are recorded; in memory when omitted. */
  audit?: AuditLog;
  /** JTS_LIVE_TRADING=enabled; false (the default) refuses to arm any account. */
  liveTradingEnabled?: boolean;
  /** Time between two periodic equity snapshots of every account (0: only after fills). */
  equityIntervalMs?: number;
  /** With a stored repository: how old the in-memory read model may get before a read loads it again (5 s; 0 never). */
  readModelMaxAgeMs?: number;
}

export function createPortfolioService(runtime: Runtime, options: PortfolioOptions) {
  const logger = runtime.logger.child({ service: "portfolio-tracker" });
  // A stored repository gets the in-memory read model in front (read-model.ts); the memory one is memory already.
  const readModel = options.repository
    ? new CachedPortfolioRepository(options.repository, { maxAgeMs: options.readModelMaxAgeMs })
    : null;
  const portfolio = new Portfolio(readModel ?? new MemoryPortfolioRepository());
  const throttleMs = options.markThrottleMs ?? 1000;
  const lastMarkPublished = new Map<string, number>();
  const subscriptions: Subscription[] = [];
  let equityTimer: ReturnType<typeof setInterval> | undefined;

  const arming = new AccountArming({
    repository: portfolio.repository,
    liveTradingEnabled: options.liveTradingEnabled ?? false,
    // Shorter than the gateway's 3 s, so a silent risk service ends in this refusal, audited, not a gateway timeout.
    rpc: rpcClient(runtime.rpc, 2000),
    audit: options.audit ?? new MemoryAuditLog(),
    publish: (change: AccountModeChange) =>
      runtime.bus.publish(
        Topics.accountMode,
        envelope(EventTypes.accountMode, "portfolio-tracker", change.account, change),
      ),
  });

  /** Stores and announces the accounts' equity now. */
  const snapshotEquity = async (accounts?: readonly string[]): Promise<EquitySnapshot[]> => {
    const snapshots = await portfolio.equity(accounts);
    await portfolio.repository.saveEquity(snapshots);
    for (const s of snapshots)
      await runtime.bus.publish(Topics.equity, envelope(EventTypes.equity, "portfolio-tracker", s.account, s));
    return snapshots;
  };

  const publishPosition = (position: Position) =>
    runtime.bus.publish(
      Topics.positionUpdated,
      envelope(EventTypes.position, "portfolio-tracker", position.account, position),
    );

  // A failure (database down) throws to the bus, which redelivers and finally dead-letters it.
  const onFill = async (fill: Fill) => {
    const outcome = await portfolio.applyFill(fill);
    if (outcome.status === "applied") {
      await publishPosition(outcome.position);
      // The fill is applied: a failed snapshot must not make the bus redeliver it. The next one catches up.
      await snapshotEquity([fill.account]).catch((error: unknown) =>
        logger.error("equity snapshot after a fill failed", { error, account: fill.account }),
      );
    } else if (outcome.status === "unknown-account")
      logger.warn("fill for an unknown account ignored", { fillId: fill.id, account: fill.account });
  };

  // Price moves change unrealized P&L on every tick; the screen needs it about once a second.
  const onTick = async (tick: Tick) => {
    const now = Date.now();
    const due = (account: string) => {
      const key = `${account}|${tick.symbol}`;
      if (now - (lastMarkPublished.get(key) ?? 0) < throttleMs) return false;
      lastMarkPublished.set(key, now);
      return true;
    };
    for (const position of portfolio.markPrice(tick.symbol, tick.price, tick.tsEvent, due))
      await publishPosition(position);
  };

  const app = createServiceApp({ name: "portfolio-tracker", logger, readiness: options.readiness })
    .get("/positions", () => portfolio.listPositions())
    .get("/accounts", () => portfolio.listAccounts())
    .get("/equity", ({ query }) => portfolio.repository.listEquity(query), { query: EquityQuery });

  return {
    name: "portfolio-tracker",
    app,
    portfolio,
    arming,
    snapshotEquity,
    async start() {
      const created = await portfolio.open(options.accounts);
      if (created.length > 0) logger.info("accounts seeded", { accounts: created });
      if (readModel) {
        // Every replica hears every position and mode change (no group): one another replica
        // stored that this memory does not hold makes the next read load the stored books.
        subscriptions.push(
          await runtime.bus.subscribe(Topics.positionUpdated, (e) => {
            if (readModel.differsFrom(e.payload)) readModel.invalidate();
          }),
          await runtime.bus.subscribe(Topics.accountMode, (e) => {
            if (readModel.modeDiffers(e.payload.account, e.payload.mode)) readModel.invalidate();
          }),
        );
      }
      subscriptions.push(
        await runtime.bus.subscribe(Topics.fill, (e) => onFill(e.payload), { group: "portfolio-tracker" }),
        // Marks decide no order: after the order path (fills stay on it, positions are read by it).
        await runtime.bus.subscribe(Topics.allTicks, (e) => onTick(e.payload), { lane: "background", live: true }),
        await serve(runtime.rpc, Subjects.positions, ({ accounts, consistent }) =>
          portfolio.listPositions(accounts, consistent),
        ),
        await serve(runtime.rpc, Subjects.accounts, async ({ accounts, owner, consistent }) =>
          portfolio.listAccounts(
            owner === undefined ? accounts : await portfolio.accountsOf(owner, consistent),
            consistent,
          ),
        ),
        await serve(runtime.rpc, Subjects.appliedFills, async ({ since, limit }) => {
          const { ids, complete } = await portfolio.repository.processedSince(FILL_CONSUMER, since, limit ?? 20_000);
          return { fillIds: ids, complete };
        }),
        await serve(runtime.rpc, Subjects.equity, (query) => portfolio.repository.listEquity(query)),
        await serve(runtime.rpc, Subjects.accountArm, (request, { actor }) =>
          arming.arm({ ...request, actor: actor ?? "service" }),
        ),
        await serve(runtime.rpc, Subjects.accountDisarm, (request, { actor }) =>
          arming.disarm({ ...request, actor: actor ?? "service" }),
        ),
      );
      const every = options.equityIntervalMs ?? 60_000;
      if (every > 0) {
        equityTimer = setInterval(() => {
          snapshotEquity().catch((error: unknown) => logger.error("equity snapshot failed", { error }));
        }, every);
      }
    },
    async stop() {
      clearInterval(equityTimer);
      await Promise.all(subscriptions.splice(0).map((s) => s.unsubscribe()));
    },
  } satisfies Service & { portfolio: Portfolio; arming: AccountArming; snapshotEquity: typeof snapshotEquity };
}

export type App = ReturnType<typeof createPortfolioService>["app"];
