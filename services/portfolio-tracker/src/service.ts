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
import { createServiceApp, envelope, type Runtime, type Service, serveChecked } from "@jts/kit";
import { t } from "elysia";
import { type AccountSeed, Ledger } from "./ledger.ts";

const AccountsQuery = t.Object({ accounts: t.Optional(t.Array(Id)), owner: t.Optional(t.String()) });

export interface PortfolioOptions {
  accounts: readonly AccountSeed[];
  /** Least time between two unrealized-P&L updates of one position. */
  markThrottleMs?: number;
}

export function createPortfolioService(runtime: Runtime, options: PortfolioOptions) {
  const logger = runtime.logger.child({ service: "portfolio-tracker" });
  const ledger = new Ledger(options.accounts);
  const throttleMs = options.markThrottleMs ?? 1000;
  const lastMarkPublished = new Map<string, number>();
  const subscriptions: Subscription[] = [];

  const publishPosition = (position: Position) =>
    runtime.bus.publish(
      Topics.positionUpdated,
      envelope(EventTypes.position, "portfolio-tracker", position.account, position),
    );

  const onFill = async (fill: Fill) => {
    const position = ledger.applyFill(fill);
    if (position) await publishPosition(position);
  };

  // Price moves change unrealized P&L on every tick; the screen needs it about once a second.
  const onTick = async (tick: Tick) => {
    const now = Date.now();
    for (const position of ledger.markPrice(tick.symbol, tick.price, tick.tsEvent)) {
      const key = `${position.account}|${position.symbol}`;
      if (now - (lastMarkPublished.get(key) ?? 0) < throttleMs) continue;
      lastMarkPublished.set(key, now);
      await publishPosition(position);
    }
  };

  const app = createServiceApp({ name: "portfolio-tracker", logger })
    .get("/positions", () => ledger.listPositions())
    .get("/accounts", () => ledger.listAccounts());

  return {
    name: "portfolio-tracker",
    app,
    ledger,
    async start() {
      subscriptions.push(
        await runtime.bus.subscribe(Topics.fill, (e) => onFill(e.payload as Fill), { group: "portfolio-tracker" }),
        await runtime.bus.subscribe(Topics.allTicks, (e) => onTick(e.payload as Tick)),
        await serveChecked(runtime.rpc, Subjects.positions, AccountsQuery, ({ accounts }) =>
          ledger.listPositions(accounts),
        ),
        await serveChecked(runtime.rpc, Subjects.accounts, AccountsQuery, ({ accounts, owner }) =>
          ledger.listAccounts(owner === undefined ? accounts : ledger.accountsOf(owner)),
        ),
      );
    },
    async stop() {
      await Promise.all(subscriptions.splice(0).map((s) => s.unsubscribe()));
    },
  } satisfies Service & { ledger: Ledger };
}

export type App = ReturnType<typeof createPortfolioService>["app"];
