import {
  type Candle,
  type ExecutionReport,
  type Fill,
  type Fixed,
  fx,
  type Order,
  type RiskLimits,
  type StrategyConfig,
} from "@jts/contracts";
import { createLogger, InstrumentCatalog, type Logger } from "@jts/kit";
import { fillOf, newOrder } from "@jts/order-execution";
import { DEFAULT_RISK_LIMITS, RiskEngine } from "@jts/risk-management";
import { type OrderRouter, StrategyRunner } from "@jts/strategy-engine";
import { eventPrice, eventSymbol, type MarketEvent } from "./csv.ts";
import { type BacktestVenue, PaperVenueAdapter } from "./venue.ts";

const CANDLE_NS: Record<Candle["interval"], bigint> = {
  "1m": 60_000_000_000n,
  "5m": 300_000_000_000n,
  "1h": 3_600_000_000_000n,
  "1d": 86_400_000_000_000n,
};

export interface BacktestOptions {
  strategy: StrategyConfig;
  events: readonly MarketEvent[];
  startingCash?: string;
  /** Least market time between two orders; the live engine's STRATEGY_COOLDOWN_MS. */
  cooldownMs?: number;
  limits?: RiskLimits;
  catalog?: InstrumentCatalog;
  venue?: BacktestVenue;
  logger?: Logger;
  onProgress?: (done: number, total: number) => void;
}

export interface BacktestOrder {
  clientOrderId: string;
  orderId: string;
  side: Order["side"];
  quantity: string;
  status: Order["status"];
  reason: string | null;
  ts: string;
}

export interface EquityPoint {
  ts: bigint;
  equity: Fixed;
}

export interface BacktestResult {
  strategy: StrategyConfig;
  events: number;
  orders: BacktestOrder[];
  fills: Fill[];
  equity: EquityPoint[];
  startingCash: Fixed;
  cash: Fixed;
  runner: StrategyRunner;
}

/** When an event happens in market time: a tick at its time, a candle at its close. */
export function eventTime(event: MarketEvent): bigint {
  return event.kind === "tick"
    ? BigInt(event.tick.tsEvent)
    : BigInt(event.candle.tsOpen) + CANDLE_NS[event.candle.interval];
}

/**
 * Replays market events through the same strategy runner the live engine
 * uses, the risk engine's pre-trade checks and the paper broker's matching,
 * all by direct calls on one market clock. Execution reports are handled
 * after the strategy's hook returns, as they arrive after it live.
 */
export async function runBacktest(options: BacktestOptions): Promise<BacktestResult> {
  const catalog = options.catalog ?? new InstrumentCatalog();
  const risk = new RiskEngine(catalog, options.limits ?? DEFAULT_RISK_LIMITS);
  const venue = options.venue ?? new PaperVenueAdapter(catalog);
  const logger = options.logger ?? createLogger({ app: "backtest" }, "error", () => {});
  const startingCash = fx.toFixed(options.startingCash ?? "100000000");
  const orders = new Map<string, { order: Order; record: BacktestOrder }>();
  const fills: Fill[] = [];
  const equity: EquityPoint[] = [];
  let cash = startingCash;
  let now = 0n;
  let pending: ExecutionReport[] = [];

  const reject = (order: Order, reason: string) => {
    const record = recordOf(order, "REJECTED", reason, now);
    orders.set(order.id, { order, record });
    pending.push({ ...reportBase(order, now), kind: "REJECTED", reason });
  };

  const router: OrderRouter = {
    async submit(request) {
      const order = newOrder(request, {
        id: `bt-order-${orders.size + 1}`,
        account: request.account ?? "backtest",
        venue: request.venue ?? "sim",
        now: String(now),
      });
      const decision = risk.check(order);
      if (!decision.approved) return reject(order, `${decision.rule}: ${decision.reason}`);
      const placed = venue.place(order, String(now));
      if (!placed.accepted) return reject(order, placed.reason ?? "refused by the venue");
      orders.set(order.id, { order, record: recordOf(order, "ACCEPTED", null, now) });
      pending.push(...placed.reports);
    },
    async cancel(clientOrderId) {
      const entry = [...orders.values()].find((o) => o.order.clientOrderId === clientOrderId);
      if (entry) pending.push(...venue.cancel(entry.order, String(now)));
    },
  };

  const runner = new StrategyRunner(
    { ...options.strategy, enabled: true },
    { router, logger, cooldownNs: BigInt(options.cooldownMs ?? 0) * 1_000_000n },
  );

  const settle = async () => {
    while (pending.length > 0) {
      const reports = pending;
      pending = [];
      for (const report of reports) {
        const entry = orders.get(report.orderId);
        if (!entry) continue;
        if (report.kind === "FILL" && report.fill) {
          const fill = fillOf(entry.order, report);
          const notional = fx.mul(fx.toFixed(fill.price), fx.toFixed(fill.quantity));
          cash += (fill.side === "BUY" ? -notional : notional) - fx.toFixed(fill.fee);
          fills.push(fill);
          risk.onFill(fill);
          entry.record.status = "FILLED";
          await runner.fill(fill);
        } else if (report.kind !== "ACCEPTED") {
          entry.record.status =
            report.kind === "REJECTED" ? "REJECTED" : report.kind === "EXPIRED" ? "EXPIRED" : "CANCELED";
          entry.record.reason = report.reason;
        }
        runner.orderUpdated(entry.order.clientOrderId, entry.record.status);
      }
    }
  };

  await runner.start();
  const total = options.events.length;
  let done = 0;
  for (const event of options.events) {
    if (eventSymbol(event) !== options.strategy.symbol) continue;
    now = eventTime(event);
    const price = eventPrice(event);
    // The venue and risk see the new price first, as they do live (the quote arrives before the trade).
    pending.push(...venue.onQuote(quoteAt(event, price, now)));
    risk.onPrice(eventSymbol(event), price);
    await settle();
    if (event.kind === "tick") await runner.tick(event.tick);
    else await runner.candle(event.candle);
    await settle();
    equity.push({ ts: now, equity: cash + fx.mul(runner.pnl.position, fx.toFixed(price)) });
    done++;
    options.onProgress?.(done, total);
  }
  await runner.stop();
  return {
    strategy: runner.config,
    events: done,
    orders: [...orders.values()].map((o) => o.record),
    fills,
    equity,
    startingCash,
    cash,
    runner,
  };
}

/**
 * The book a replayed event implies: both sides at its price, as deep as the
 * volume it traded (a tick's quantity, a candle's volume). The matching
 * engine bounds fills by that size, so a backtest never fills more than the
 * market traded; a zero-volume bar offers nothing.
 */
function quoteAt(event: MarketEvent, price: string, now: bigint) {
  const venue = event.kind === "tick" ? event.tick.venue : event.candle.venue;
  const size = event.kind === "tick" ? event.tick.quantity : event.candle.volume;
  return {
    symbol: eventSymbol(event),
    venue,
    bid: price,
    bidSize: size,
    ask: price,
    askSize: size,
    tsEvent: String(now),
  };
}

function recordOf(order: Order, status: Order["status"], reason: string | null, now: bigint): BacktestOrder {
  return {
    clientOrderId: order.clientOrderId,
    orderId: order.id,
    side: order.side,
    quantity: order.quantity,
    status,
    reason,
    ts: String(now),
  };
}

function reportBase(order: Order, now: bigint) {
  const { id: orderId, account, venue, symbol, side } = order;
  return { orderId, account, venue, symbol, side, fill: null, tsEvent: String(now) };
}
