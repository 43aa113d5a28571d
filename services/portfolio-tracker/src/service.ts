import {
  EventTypes,
  type Fill,
  Id,
  type Position,
  Subjects,
  type Subscription,
  type Tick,
  Topics,
} from "@jts/contracts";
import { createServiceApp, envelope, type ReadinessCheck, type Runtime, type Service, serveChecked } from "@jts/kit";
import { t } from "elysia";
import type { AccountSeed } from "./ledger.ts";
import { MemoryPortfolioRepository } from "./memory-repository.ts";
import { Portfolio } from "./portfolio.ts";
import type { PortfolioRepository } from "./repository.ts";

const AccountsQuery = t.Object({ accounts: t.Optional(t.Array(Id)), owner: t.Optional(t.String()) });

export interface PortfolioOptions {
  /** Created on start when missing; existing accounts keep their balances. */
  accounts: readonly AccountSeed[];
  /** Least time between two unrealized-P&L updates of one position. */
  markThrottleMs?: number;
  /** Where the books live; in memory when omitted. */
  repository?: PortfolioRepository;
  /** Extra /ready checks, e.g. the database. */
  readiness?: Record<string, ReadinessCheck>;
}

export function createPortfolioService(runtime: Runtime, options: PortfolioOptions) {
  const logger = runtime.logger.child({ service: "portfolio-tracker" });
  const portfolio = new Portfolio(options.repository ?? new MemoryPortfolioRepository());
  const throttleMs = options.markThrottleMs ?? 1000;
  const lastMarkPublished = new Map<string, number>();
  const subscriptions: Subscription[] = [];

  const publishPosition = (position: Position) =>
    runtime.bus.publish(
      Topics.positionUpdated,
      envelope(EventTypes.position, "portfolio-tracker", position.account, position),
    );

  // A failure (database down) throws to the bus, which redelivers and finally dead-letters it.
  const onFill = async (fill: Fill) => {
    const outcome = await portfolio.applyFill(fill);
    if (outcome.status === "applied") await publishPosition(outcome.position);
    else if (outcome.status === "unknown-account")
      logger.warn("fill for an unknown account ignored", { fillId: fill.id, account: fill.account });
  };

  // Price moves change unrealized P&L on every tick; the screen needs it about once a second.
  const onTick = async (tick: Tick) => {
    const now = Date.now();
    for (const position of portfolio.markPrice(tick.symbol, tick.price, tick.tsEvent)) {
      const key = `${position.account}|${position.symbol}`;
      if (now - (lastMarkPublished.get(key) ?? 0) < throttleMs) continue;
      lastMarkPublished.set(key, now);
      await publishPosition(position);
    }
  };

  const app = createServiceApp({ name: "portfolio-tracker", logger, readiness: options.readiness })
    .get("/positions", () => portfolio.listPositions())
    .get("/accounts", () => portfolio.listAccounts());

  return {
    name: "portfolio-tracker",
    app,
    portfolio,
    async start() {
      const created = await portfolio.open(options.accounts);
      if (created.length > 0) logger.info("accounts seeded", { accounts: created });
      subscriptions.push(
        await runtime.bus.subscribe(Topics.fill, (e) => onFill(e.payload as Fill), { group: "portfolio-tracker" }),
        await runtime.bus.subscribe(Topics.allTicks, (e) => onTick(e.payload as Tick)),
        await serveChecked(runtime.rpc, Subjects.positions, AccountsQuery, ({ accounts }) =>
          portfolio.listPositions(accounts),
        ),
        await serveChecked(runtime.rpc, Subjects.accounts, AccountsQuery, async ({ accounts, owner }) =>
          portfolio.listAccounts(owner === undefined ? accounts : await portfolio.accountsOf(owner)),
        ),
      );
    },
    async stop() {
      await Promise.all(subscriptions.splice(0).map((s) => s.unsubscribe()));
    },
  } satisfies Service & { portfolio: Portfolio };
}

export type App = ReturnType<typeof createPortfolioService>["app"];
