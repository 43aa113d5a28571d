import {
  type Candle,
  type ExecutionReport,
  type Fill,
  type Fixed,
  fx,
  type Instrument,
  type Order,
  type RiskLimits,
  type StrategyConfig,
  type TradingStateChange,
} from "@jts/contracts";
import {
  ALWAYS_OPEN,
  createLogger,
  InstrumentCatalog,
  krxSchedule,
  type Logger,
  MemoryRateLimiter,
  type SessionSchedule,
  sessionEndFor,
  tickSizeAt,
} from "@jts/kit";
import { fillOf, newOrder } from "@jts/order-execution";
import { DEFAULT_RISK_LIMITS, RiskEngine, submitRateRefusal } from "@jts/risk-management";
import { type OrderRouter, StrategyRunner } from "@jts/strategy-engine";
import { candleTimes } from "./bar-time.ts";
import { affordableBuy } from "./cash.ts";
import { eventPrice, eventSymbol, type MarketEvent } from "./csv.ts";
import { type Direction, type Sizing, sizeOrder } from "./sizing.ts";
import { type BacktestVenue, PaperVenueAdapter, type VenueCosts } from "./venue.ts";

const CANDLE_MINUTES: Record<Candle["interval"], number> = { "1m": 1, "5m": 5, "1h": 60, "1d": 1440 };
/** Trading days a year on an exchange with sessions (KRX): the usual 252. */
const TRADING_DAYS = 252;

/**
 * When an order the strategy sends fills: at the next event's open (the next
 * bar's open, or the next tick), the default and what a live order sent at a
 * bar's close meets; or at once against the event it was decided on (its close).
 */
export type FillAt = "next-open" | "close";

export class BacktestError extends Error {}

export interface BacktestOptions {
  strategy: StrategyConfig;
  events: readonly MarketEvent[];
  startingCash?: string;
  /** Least market time between two orders; the live engine's STRATEGY_COOLDOWN_MS. */
  cooldownMs?: number;
  limits?: RiskLimits;
  /** Must hold the strategy's symbol: an unknown symbol is an error, not a run of refused orders. */
  catalog?: InstrumentCatalog;
  /** The session each instrument trades in (risk's session checks, DAY expiry); see `defaultSessions`. */
  sessions?: (instrument: Instrument) => SessionSchedule;
  fillAt?: FillAt;
  sizing?: Sizing;
  direction?: Direction;
  /** Fees and slippage for the run (the instrument's own fees and no slippage when absent). */
  costs?: VenueCosts;
  venue?: BacktestVenue;
  logger?: Logger;
  onProgress?: (done: number, total: number) => void;
}

export interface BacktestOrder {
  clientOrderId: string;
  orderId: string;
  side: Order["side"];
  /** What was sent to the venue (a long-only MARKET buy may be cut to the cash free at its fill: see `reason`). */
  quantity: string;
  /** Summed over its fills; PARTIALLY_FILLED until it reaches `quantity`. */
  filledQuantity: string;
  status: Order["status"];
  reason: string | null;
  /** When the strategy sent it (market time). */
  ts: string;
}

/** An order of the run: what was sent, its record in the report, and its filled quantity so far. */
interface OrderEntry {
  order: Order;
  record: BacktestOrder;
  filled: Fixed;
}

export interface EquityPoint {
  ts: bigint;
  equity: Fixed;
  /** The strategy's position at that time. */
  position: Fixed;
}

export interface BacktestResult {
  strategy: StrategyConfig;
  instrument: Instrument;
  fillAt: FillAt;
  sizing: Sizing;
  direction: Direction;
  sessions: string;
  events: number;
  /** The events of the traded symbol, in order: the candles the HTML report draws. */
  data: MarketEvent[];
  orders: BacktestOrder[];
  fills: Fill[];
  equity: EquityPoint[];
  /** Trading state changes risk made (daily loss, drawdown), stamped in market time. */
  riskEvents: TradingStateChange[];
  startingCash: Fixed;
  cash: Fixed;
  /** The first price an order could have traded at (the first bar's open) and the last close. */
  firstPrice: string | null;
  lastPrice: string | null;
  /** Bars per year for the ratios (null for ticks: the metrics use the events' spacing). */
  periodsPerYear: number | null;
  runner: StrategyRunner;
}

/**
 * When an event happens in market time: a tick at its time, a candle at its
 * close, put inside the session on a market with sessions (`candleTimes`).
 */
export function eventTime(event: MarketEvent, schedule: SessionSchedule = ALWAYS_OPEN): bigint {
  return event.kind === "tick" ? BigInt(event.tick.tsEvent) : candleTimes(event.candle, schedule).close;
}

/** KRX hours for a stock quoted in KRW, around the clock for everything else. */
export function defaultSessions(instrument: Instrument): SessionSchedule {
  return instrument.kind === "STOCK" && instrument.quote === "KRW" ? krxSchedule() : ALWAYS_OPEN;
}

/**
 * Bars a year at an interval: 365 days of them around the clock; on an
 * exchange with sessions, 252 trading days of the bars that cover the minutes
 * it trades continuously and in its closing auction (KRX: 09:00-15:30, 390
 * minutes: 390 1m bars, 78 5m bars, 7 1h bars, the last one 15:00-15:30).
 */
export function barsPerYear(interval: Candle["interval"], schedule: SessionSchedule): number {
  const minutes = CANDLE_MINUTES[interval];
  if (schedule.windows === null) return (365 * 1440) / minutes;
  if (interval === "1d") return TRADING_DAYS;
  const session = schedule.windows
    .filter((w) => w.phase !== "OPENING_AUCTION")
    .reduce((sum, w) => sum + (w.to - w.from), 0);
  return TRADING_DAYS * Math.ceil(session / minutes);
}

/**
 * Replays market events through the same strategy runner the live engine
 * uses, the risk engine's pre-trade checks and the paper broker's matching,
 * all by direct calls on one market clock: risk's sessions, day and duplicate
 * windows, the submit-rate windows, DAY expiry and every stamp read the
 * data's time, never the wall clock. Execution reports are handled after the
 * strategy's hook returns, as they arrive after it live.
 */
export async function runBacktest(options: BacktestOptions): Promise<BacktestResult> {
  const catalog = options.catalog ?? new InstrumentCatalog();
  const symbol = options.strategy.symbol;
  const spec = catalog.spec(symbol);
  if (!spec)
    throw new BacktestError(
      `no instrument definition for ${symbol}: give its currency, tick, lot and fees (--instrument FILE or --currency ...)`,
    );
  const instrument = spec.instrument;
  const fillAt = options.fillAt ?? "next-open";
  const sizing = options.sizing ?? { mode: "params" };
  const direction = options.direction ?? "long-only";
  const sessionOf = options.sessions ?? defaultSessions;
  const schedule = sessionOf(instrument);
  let now = 0n;
  const nowMs = () => Number(now / 1_000_000n);
  const stamp = () => String(now);
  const slippageBps = options.costs?.slippageBps ?? 0;
  // Risk reserves a MARKET buy's cash at the price plus the run's slippage (what the simulated fill adds), not
  // the live default of 50 bps: the fill's own price is known here, and the cash check at the fill (`place`) covers a gap.
  const marketSlippageBps = Math.ceil(slippageBps);
  const risk = new RiskEngine(catalog, options.limits ?? DEFAULT_RISK_LIMITS, {
    now: nowMs,
    sessions: sessionOf,
    marketSlippageBps,
  });
  const takerFee = fx.toFixed(options.costs?.fees?.taker ?? instrument.takerFee);
  const rates = new MemoryRateLimiter(nowMs);
  const venue =
    options.venue ??
    new PaperVenueAdapter(catalog, {
      ...options.costs,
      sessionEnd: sessionEndFor(catalog, sessionOf),
      krxHolidays: schedule.holidays,
    });
  const logger = options.logger ?? createLogger({ app: "backtest" }, "error", () => {});
  const startingCash = fx.toFixed(options.startingCash ?? "100000000");
  const account = options.strategy.account;
  // Long only trades a cash account (risk checks the cash and never sells what is not held); long/short a margin one.
  risk.seedAccount({
    id: account,
    owner: "backtest",
    venue: "sim",
    kind: direction === "long-only" ? "CASH" : "MARGIN",
    baseCurrency: instrument.quote,
    mode: "PAPER",
    balances: [
      {
        account,
        currency: instrument.quote,
        total: fx.fromFixed(startingCash),
        free: fx.fromFixed(startingCash),
        locked: "0",
      },
    ],
  });
  /** Every order sent, with what has filled of it so far. */
  const orders = new Map<string, OrderEntry>();
  /**
   * The orders the venue accepted that may still be working (a superset: done
   * ones are dropped when next read), so the cash check of a buy reads the few
   * working orders, not every order of the run (quadratic over a long run).
   */
  const working = new Set<OrderEntry>();
  const fills: Fill[] = [];
  const equity: EquityPoint[] = [];
  const riskEvents: TradingStateChange[] = [];
  const data: MarketEvent[] = [];
  let cash = startingCash;
  let mark = 0n;
  /** The book the venue was last given: what a MARKET order placed now takes from. */
  let book = { ask: 0n, askSize: 0n };
  let pending: ExecutionReport[] = [];
  /** Approved orders waiting for the next event's open (fillAt next-open). */
  let queued: Order[] = [];

  const record = (order: Order, status: Order["status"], reason: string | null) => {
    const entry = { order, record: recordOf(order, status, reason), filled: 0n };
    orders.set(order.id, entry);
    if (status === "ACCEPTED") working.add(entry);
    risk.onOrder({ ...order, status });
    return entry;
  };
  const reject = (order: Order, reason: string) => {
    record(order, "REJECTED", reason);
    pending.push({ ...reportBase(order, now), kind: "REJECTED", reason });
  };
  /** Cash no working buy holds: each holds its unfilled part at its limit price, or at the ask for a MARKET one. */
  const freeCash = (except: string) => {
    let held = 0n;
    for (const entry of working) {
      const { order, record: r, filled } = entry;
      if (r.status !== "ACCEPTED" && r.status !== "PARTIALLY_FILLED") {
        working.delete(entry); // done for good: no report makes a finished order work again
        continue;
      }
      if (order.id === except || order.side !== "BUY") continue;
      const price = order.price === null ? book.ask : fx.toFixed(order.price);
      const notional = fx.mul(price, fx.toFixed(order.quantity) - filled);
      held += notional + fx.mul(notional, takerFee);
    }
    return cash - held;
  };
  /**
   * Long only is a cash account, which never pays more than it has: a MARKET
   * buy is cut, when it reaches the venue, to what the free cash pays at the
   * book it will take from (a gap at the next open, the slippage, the walk
   * through the levels), as a quote-amount market buy (Binance
   * quoteOrderQty, Upbit's price market buy) spends what it is given; below the
   * minimum quantity it is refused. A priced buy pays at most its limit, which
   * risk reserved.
   */
  const payable = (order: Order): { order: Order; note: string | null } | { refused: string } => {
    if (direction !== "long-only" || order.side !== "BUY" || order.type !== "MARKET") return { order, note: null };
    const wanted = fx.toFixed(order.quantity);
    const free = freeCash(order.id);
    const quantity = affordableBuy({ quantity: wanted, free, ask: book.ask, askSize: book.askSize, takerFee, spec });
    if (quantity === wanted) return { order, note: null };
    const why = `the ${fx.fromFixed(fx.max(0n, free))} ${instrument.quote} free pays ${fx.fromFixed(quantity)} of ${order.quantity} at the ask ${fx.fromFixed(book.ask)} with fees`;
    if (quantity < spec.minQuantity || quantity === 0n) return { refused: `INSUFFICIENT_BALANCE at the fill: ${why}` };
    return { order: { ...order, quantity: fx.fromFixed(quantity) }, note: `cut to the cash at the fill: ${why}` };
  };
  const place = (wanted: Order) => {
    const paid = payable(wanted);
    if ("refused" in paid) return reject(wanted, paid.refused);
    const { order, note } = paid;
    const placed = venue.place(order, stamp());
    if (!placed.accepted) return reject(order, placed.reason ?? "refused by the venue");
    record(order, "ACCEPTED", note);
    pending.push(...placed.reports);
  };
  const onRiskChanges = (changes: TradingStateChange[]) => {
    for (const change of changes) {
      riskEvents.push(change);
      if (!change.cancelOpenOrders) continue;
      for (const order of queued) cancelQueued(order, `risk ${change.state}: ${change.reason}`);
      queued = [];
      for (const { order, record: r } of orders.values())
        if (r.status === "ACCEPTED") pending.push(...venue.cancel(order, stamp()));
    }
  };
  const cancelQueued = (order: Order, reason: string) => {
    record(order, "CANCELED", reason);
    pending.push({ ...reportBase(order, now), kind: "CANCELED", reason });
  };

  const router: OrderRouter = {
    async submit(request) {
      const position = runner.pnl.position;
      const sized = sizeOrder(
        {
          side: request.side,
          quantity: fx.toFixed(request.quantity),
          position,
          price: mark,
          equity: cash + fx.mul(position, mark),
          spec,
          reserveBps: marketSlippageBps,
        },
        sizing,
        direction,
      );
      const quantity = "quantity" in sized ? fx.fromFixed(sized.quantity) : request.quantity;
      const order = newOrder(
        { ...request, quantity },
        {
          id: `bt-order-${orders.size + queued.length + 1}`,
          account: request.account ?? account,
          venue: request.venue ?? "sim",
          now: stamp(),
        },
      );
      if ("refused" in sized) return reject(order, `SIZING: ${sized.refused}`);
      let decision = risk.check(order);
      if (decision.approved)
        decision = (await submitRateRefusal(rates, risk.limits.for(order.account).wire, order, stamp)) ?? decision;
      if (!decision.approved) return reject(order, `${decision.rule}: ${decision.reason}`);
      risk.accept(order);
      if (fillAt === "close") return place(order);
      queued.push(order);
      risk.onOrder(order); // working from now on, as far as risk's exposure and held cash go
    },
    async cancel(clientOrderId) {
      const waiting = queued.find((o) => o.clientOrderId === clientOrderId);
      if (waiting) {
        queued = queued.filter((o) => o !== waiting);
        return cancelQueued(waiting, "canceled by the strategy");
      }
      const entry = [...orders.values()].find((o) => o.order.clientOrderId === clientOrderId);
      if (entry) pending.push(...venue.cancel(entry.order, stamp()));
    },
  };

  const runner = new StrategyRunner(
    { ...options.strategy, enabled: true },
    {
      router,
      logger,
      cooldownNs: BigInt(options.cooldownMs ?? 0) * 1_000_000n,
      allowShort: direction === "long-short",
    },
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
          onRiskChanges(risk.onFill(fill));
          entry.filled += fx.toFixed(fill.quantity);
          entry.record.filledQuantity = fx.fromFixed(entry.filled);
          entry.record.status = entry.filled >= fx.toFixed(entry.order.quantity) ? "FILLED" : "PARTIALLY_FILLED";
          await runner.fill(fill);
        } else if (report.kind !== "ACCEPTED") {
          entry.record.status =
            report.kind === "REJECTED" ? "REJECTED" : report.kind === "EXPIRED" ? "EXPIRED" : "CANCELED";
          entry.record.reason = report.reason;
        }
        risk.onOrder({ ...entry.order, status: entry.record.status, filledQuantity: entry.record.filledQuantity });
        runner.orderUpdated(entry.order.clientOrderId, entry.record.status);
      }
    }
  };

  /** The market at a price and time: the venue's book first, then risk's mark, as they arrive live. */
  const priceAt = (event: MarketEvent, price: string, ts: bigint) => {
    now = ts;
    mark = fx.toFixed(price);
    const quote = quoteAt(event, price, now, spec, slippageBps);
    book = { ask: fx.toFixed(quote.ask), askSize: fx.toFixed(quote.askSize) };
    pending.push(...venue.onQuote(quote));
    onRiskChanges(risk.onPrice(symbol, price));
  };

  await runner.start();
  const total = options.events.length;
  let done = 0;
  let firstPrice: string | null = null;
  let periodsPerYear: number | null = null;
  for (const event of options.events) {
    options.onProgress?.(done++, total);
    if (eventSymbol(event) !== symbol) continue;
    data.push(event);
    const open = event.kind === "candle" ? event.candle.open : event.tick.price;
    firstPrice ??= open;
    if (event.kind === "candle") {
      periodsPerYear ??= barsPerYear(event.candle.interval, schedule);
      if (fillAt === "next-open") priceAt(event, open, candleTimes(event.candle, schedule).open);
    } else if (fillAt === "next-open" && queued.length > 0) priceAt(event, open, eventTime(event));
    // Orders decided on the previous event go now, at this one's open.
    const due = queued;
    queued = [];
    for (const order of due) place(order);
    await settle();
    priceAt(event, eventPrice(event), eventTime(event, schedule));
    await settle();
    if (event.kind === "tick") await runner.tick(event.tick);
    else await runner.candle(event.candle);
    await settle();
    equity.push({ ts: now, equity: cash + fx.mul(runner.pnl.position, mark), position: runner.pnl.position });
  }
  options.onProgress?.(total, total);
  for (const order of queued) cancelQueued(order, "the data ended before the next bar it would fill at");
  queued = [];
  await settle();
  await runner.stop();
  const last = data.at(-1);
  return {
    strategy: runner.config,
    instrument,
    fillAt,
    sizing,
    direction,
    sessions: schedule.name,
    events: data.length,
    data,
    orders: [...orders.values()].map((o) => o.record),
    fills,
    equity,
    riskEvents,
    startingCash,
    cash,
    firstPrice,
    lastPrice: last ? eventPrice(last) : null,
    periodsPerYear,
    runner,
  };
}

/**
 * The book a replayed price implies: both sides at it (a slippage of N bps
 * moves the bid down and the ask up by N bps, to the tick, against the
 * taker), as deep as the volume the event traded (a tick's quantity, a
 * candle's volume). The matching engine bounds fills by that size, so a
 * backtest never fills more than the market traded; a zero-volume bar offers nothing.
 */
function quoteAt(
  event: MarketEvent,
  price: string,
  now: bigint,
  spec: Parameters<typeof tickSizeAt>[0],
  slippageBps: number,
) {
  const venue = event.kind === "tick" ? event.tick.venue : event.candle.venue;
  const size = event.kind === "tick" ? event.tick.quantity : event.candle.volume;
  let bid = price;
  let ask = price;
  if (slippageBps > 0) {
    const mid = fx.toFixed(price);
    const shift = fx.div(fx.mul(mid, fx.toFixed(String(slippageBps))), fx.toFixed("10000"));
    const tick = tickSizeAt(spec, mid);
    const down = mid - shift;
    const up = mid + shift;
    bid = fx.fromFixed(tick > 0n ? fx.floorTo(down, tick) : down);
    const upFloor = tick > 0n ? fx.floorTo(up, tick) : up;
    ask = fx.fromFixed(upFloor === up ? up : upFloor + tick);
  }
  return { symbol: eventSymbol(event), venue, bid, bidSize: size, ask, askSize: size, tsEvent: String(now) };
}

function recordOf(order: Order, status: Order["status"], reason: string | null): BacktestOrder {
  return {
    clientOrderId: order.clientOrderId,
    orderId: order.id,
    side: order.side,
    quantity: order.quantity,
    filledQuantity: "0",
    status,
    reason,
    ts: order.createdAt,
  };
}

function reportBase(order: Order, now: bigint) {
  const { id: orderId, account, venue, symbol, side } = order;
  return { orderId, account, venue, symbol, side, fill: null, tsEvent: String(now) };
}
