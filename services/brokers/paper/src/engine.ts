import {
  type Balance,
  type BrokerAck,
  type ExecutionReport,
  fx,
  type Instrument,
  type Order,
  type OrderStatus,
  type Position,
  type Quote,
  type SessionEnd,
  type Tick,
  utcMidnight,
  type VenueOrder,
} from "@jts/contracts";
import { newId as randomId, type TickSpec, tickSizeAt, tickSpecOf } from "@jts/kit";
import { DEFAULT_SLIPPAGE, type SlippageModel, type TopOfBook, walkBook } from "./book.ts";
import { DEFAULT_FEES, type FeeRates, feeFor, feeRates, isKrxListing, krxMarketOf, paysKrxTax } from "./fees.ts";
import { KRX_TAX_RATES, type KrxTaxRate, krxTaxRate } from "./krx-tax.ts";
import { Ledger, type PersistedLedger } from "./ledger.ts";

export interface MatchingEngineOptions {
  /** Now, in ns since the epoch. The engine reads no other clock. */
  clock: () => bigint;
  instruments: { find(symbol: string): Instrument | undefined };
  fees?: Readonly<Record<string, FeeRates>>;
  /** The KRX sell tax by market and date (`KRX_TAX_RATES`, or `parseKrxTaxRates` of the config). */
  krxTaxRates?: readonly KrxTaxRate[];
  /** KRX holidays (YYYY-MM-DD): a sell's tax is the rate of its T+2 settlement date, which skips them. */
  krxHolidays?: Iterable<string>;
  slippage?: SlippageModel;
  sessionEnd?: SessionEnd;
  /** Venue order ids and fill ids; pass a counter for reproducible backtests. */
  newId?: () => string;
  /** account -> currency -> amount the paper accounts start with. */
  initialBalances?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** How many closed orders stay answerable by queryOrder. */
  retainClosed?: number;
}

export interface EngineResult {
  ack: BrokerAck;
  reports: ExecutionReport[];
}

interface Market {
  bid: bigint | null;
  ask: bigint | null;
  bidSize: bigint;
  askSize: bigint;
  last: bigint | null;
  lastSize: bigint;
  /** What our own takers took from the best bid, best ask and last print since they were refreshed. */
  takenBid: bigint;
  takenAsk: bigint;
  takenLast: bigint;
}

/** An order as the engine works it. */
interface Working {
  order: Order;
  instrument: Instrument;
  ticks: TickSpec;
  /** The instrument's lot size, parsed once when the order arrives. */
  lotSize: bigint;
  venueOrderId: string;
  status: OrderStatus;
  quantity: bigint;
  filled: bigint;
  /** Volume-weighted price of the fills, kept at full precision (`fx.weightedAverage`). */
  averagePrice: bigint;
  limit: bigint | null;
  stop: bigint | null;
  /** Stops wait untriggered; every other order is live from the start. */
  triggered: boolean;
  expiresAt: bigint | null;
  seq: number;
  updatedAt: bigint;
}

type Pool = Record<"BUY" | "SELL", bigint>;

/**
 * An open order as the paper venue persists it (JSON: fixed-point numbers as
 * strings), so a restarted venue keeps working it under the same venue id.
 */
export interface PersistedOrder {
  order: Order;
  instrument: Instrument;
  venueOrderId: string;
  status: OrderStatus;
  filled: string;
  averagePrice: string;
  triggered: boolean;
  expiresAt: string | null;
  updatedAt: string;
  ack: BrokerAck;
}

/**
 * Everything the paper venue persists, as one value: its open orders and its
 * ledger (cash and holdings per account), written together so they never
 * disagree (a fill moves both). `ledger` is null in what older versions wrote
 * (open orders only): the starting balances stand then.
 */
export interface PersistedVenue {
  orders: PersistedOrder[];
  ledger: PersistedLedger | null;
}

const isStop = (order: Order) => order.type === "STOP_MARKET" || order.type === "STOP_LIMIT";
const takesAnyPrice = (order: Order) => order.type === "MARKET" || order.type === "STOP_MARKET";

/**
 * A venue's matching, pure and synchronous: orders in, execution reports out,
 * market data (quotes, trades) moves resting orders. See README.md for the
 * fill model. The paper broker service and backtests share it.
 */
/** What sorted() answers for a symbol without open orders: the common case on every quote and trade. */
const NOTHING_OPEN: readonly Working[] = [];

export class MatchingEngine {
  private readonly markets = new Map<string, Market>();
  private readonly orders = new Map<string, Working>();
  private readonly byVenueId = new Map<string, Working>();
  private readonly openBySymbol = new Map<string, Map<string, Working>>();
  private readonly closed: string[] = [];
  /** No open order expires before this (null: none has an expiry), so most events skip the expiry scan. */
  private nextExpiry: bigint | null = null;
  /** Acks by order id: a retried place gets the first answer, not a second fill. */
  private readonly acks = new Map<string, BrokerAck>();
  private readonly ledger: Ledger;
  private readonly fees: Readonly<Record<string, FeeRates>>;
  private readonly krxTaxRates: readonly KrxTaxRate[];
  private readonly krxHolidays: ReadonlySet<string>;
  private readonly slippage: SlippageModel;
  /** When a DAY order placed now ends (by its venue and symbol). */
  readonly sessionEnd: SessionEnd;
  private readonly newId: () => string;
  private seq = 0;
  /** Each instrument's tick table and lot size, parsed once: an Instrument is replaced, never changed. */
  private readonly parsedInstruments = new WeakMap<Instrument, TickSpec & { lotSize: bigint }>();
  /** The last clock reading `stamp` formatted, and its digits. */
  private stampedNs: bigint | null = null;
  private stampedText = "";

  constructor(private readonly options: MatchingEngineOptions) {
    this.ledger = new Ledger(options.initialBalances);
    this.fees = options.fees ?? DEFAULT_FEES;
    this.krxTaxRates = options.krxTaxRates ?? KRX_TAX_RATES;
    this.krxHolidays = new Set(options.krxHolidays ?? []);
    this.slippage = options.slippage ?? DEFAULT_SLIPPAGE;
    this.sessionEnd = options.sessionEnd ?? utcMidnight;
    this.newId = options.newId ?? randomId;
  }

  place(order: Order): EngineResult {
    const previous = this.acks.get(order.id);
    if (previous) return { ack: previous, reports: [] };
    const now = this.options.clock();
    const refusal = this.refusal(order);
    if (refusal) return { ack: this.ack(order.id, null, refusal, now), reports: [] };
    const instrument = this.options.instruments.find(order.symbol) as Instrument;
    const w: Working = {
      order: { ...order },
      instrument,
      ticks: this.tickSpecOf(instrument),
      lotSize: this.tickSpecOf(instrument).lotSize,
      venueOrderId: `P-${this.newId()}`,
      status: "ACCEPTED",
      quantity: fx.toFixed(order.quantity),
      filled: 0n,
      averagePrice: 0n,
      limit: order.price === null ? null : fx.toFixed(order.price),
      stop: order.stopPrice === null ? null : fx.toFixed(order.stopPrice),
      triggered: !isStop(order),
      expiresAt: order.timeInForce === "DAY" ? this.sessionEnd(order.venue, now, order.symbol) : null,
      seq: this.seq++,
      updatedAt: now,
    };
    this.orders.set(order.id, w);
    this.byVenueId.set(w.venueOrderId, w);
    this.openOf(order.symbol).set(order.id, w);
    if (w.expiresAt !== null && (this.nextExpiry === null || w.expiresAt < this.nextExpiry))
      this.nextExpiry = w.expiresAt;
    const ack = this.ack(order.id, w.venueOrderId, null, now);
    this.acks.set(order.id, ack);
    const reports = [this.report(w, "ACCEPTED", null, now)];
    if (!w.triggered && this.stopReached(w, this.market(order.symbol), "any")) w.triggered = true;
    if (w.triggered) reports.push(...this.take(w, now));
    return { ack, reports };
  }

  cancel(orderId: string): EngineResult {
    const now = this.options.clock();
    const w = this.orders.get(orderId);
    if (!w || !this.isOpen(w))
      return { ack: this.ack(orderId, null, "order is not open at the paper venue", now), reports: [] };
    const report = this.close(w, "CANCELED", "canceled by request", now);
    // Final: a closed order fills no more. The OMS sizes an amend's replacement by it.
    const ack = { ...this.ack(orderId, w.venueOrderId, null, now), filledQuantity: fx.fromFixed(w.filled) };
    return { ack, reports: [report] };
  }

  /** New best bid and ask: expire, trigger stops, fill resting limits the quote reaches. */
  onQuote(quote: Quote): ExecutionReport[] {
    const now = this.options.clock();
    const reports = this.expireDue(now);
    const market = this.market(quote.symbol);
    market.bid = fx.toFixed(quote.bid);
    market.ask = fx.toFixed(quote.ask);
    market.bidSize = fx.toFixed(quote.bidSize);
    market.askSize = fx.toFixed(quote.askSize);
    market.takenBid = 0n;
    market.takenAsk = 0n;
    const triggered = this.triggerStops(quote.symbol, "quote", now, reports);
    const pool: Pool = { BUY: market.askSize, SELL: market.bidSize };
    this.matchResting(quote.symbol, triggered, pool, now, reports, (w, limit) =>
      w.order.side === "BUY" ? market.ask !== null && market.ask <= limit : market.bid !== null && market.bid >= limit,
    );
    return reports;
  }

  /** A trade print: expire, trigger stops, fill resting limits at or through the trade price up to its quantity. */
  onTick(tick: Tick): ExecutionReport[] {
    const now = this.options.clock();
    const reports = this.expireDue(now);
    const market = this.market(tick.symbol);
    const price = fx.toFixed(tick.price);
    market.last = price;
    market.lastSize = fx.toFixed(tick.quantity);
    market.takenLast = 0n;
    const triggered = this.triggerStops(tick.symbol, "trade", now, reports);
    const pool: Pool = { BUY: market.lastSize, SELL: market.lastSize };
    this.matchResting(tick.symbol, triggered, pool, now, reports, (w, limit) =>
      w.order.side === "BUY" ? price <= limit : price >= limit,
    );
    return reports;
  }

  /** Expires the DAY orders whose session has ended by now. */
  advance(): ExecutionReport[] {
    return this.expireDue(this.options.clock());
  }

  /** The open orders, to persist: what `restore` takes back after a restart. */
  persistedOrders(): PersistedOrder[] {
    const open: Working[] = [];
    for (const bySymbol of this.openBySymbol.values()) open.push(...bySymbol.values());
    return open
      .sort((a, b) => a.seq - b.seq)
      .map((w) => ({
        order: w.order,
        instrument: w.instrument,
        venueOrderId: w.venueOrderId,
        status: w.status,
        filled: w.filled.toString(),
        averagePrice: w.averagePrice.toString(),
        triggered: w.triggered,
        expiresAt: w.expiresAt === null ? null : w.expiresAt.toString(),
        updatedAt: w.updatedAt.toString(),
        ack: this.acks.get(w.order.id) ?? this.ack(w.order.id, w.venueOrderId, null, w.updatedAt),
      }));
  }

  /** The open orders and the ledger, to persist as one value: what `restore` takes back after a restart. */
  persisted(): PersistedVenue {
    return { orders: this.persistedOrders(), ledger: this.ledger.persisted() };
  }

  /**
   * Takes back what `persisted` wrote: the ledger as it was (not the starting
   * balances again) and the open orders, worked again in their old time
   * priority; an order known already is skipped. Returns how many orders came back.
   */
  restore(persisted: PersistedVenue): number {
    if (persisted.ledger) this.ledger.restore(persisted.ledger);
    let restored = 0;
    for (const p of persisted.orders) {
      if (this.orders.has(p.order.id)) continue;
      const w: Working = {
        order: p.order,
        instrument: p.instrument,
        ticks: this.tickSpecOf(p.instrument),
        lotSize: this.tickSpecOf(p.instrument).lotSize,
        venueOrderId: p.venueOrderId,
        status: p.status,
        quantity: fx.toFixed(p.order.quantity),
        filled: BigInt(p.filled),
        averagePrice: BigInt(p.averagePrice),
        limit: p.order.price === null ? null : fx.toFixed(p.order.price),
        stop: p.order.stopPrice === null ? null : fx.toFixed(p.order.stopPrice),
        triggered: p.triggered,
        expiresAt: p.expiresAt === null ? null : BigInt(p.expiresAt),
        seq: this.seq++,
        updatedAt: BigInt(p.updatedAt),
      };
      this.orders.set(w.order.id, w);
      this.byVenueId.set(w.venueOrderId, w);
      this.openOf(w.order.symbol).set(w.order.id, w);
      this.acks.set(w.order.id, p.ack);
      if (w.expiresAt !== null && (this.nextExpiry === null || w.expiresAt < this.nextExpiry))
        this.nextExpiry = w.expiresAt;
      restored++;
    }
    return restored;
  }

  openOrders(account?: string): VenueOrder[] {
    const open: Working[] = [];
    for (const bySymbol of this.openBySymbol.values())
      for (const w of bySymbol.values()) if (account === undefined || w.order.account === account) open.push(w);
    return open.sort((a, b) => a.seq - b.seq).map((w) => this.venueOrder(w));
  }

  queryOrder(query: { orderId?: string; venueOrderId?: string }): VenueOrder | null {
    const w =
      (query.orderId === undefined ? undefined : this.orders.get(query.orderId)) ??
      (query.venueOrderId === undefined ? undefined : this.byVenueId.get(query.venueOrderId));
    return w ? this.venueOrder(w) : null;
  }

  positions(account: string): Position[] {
    return this.ledger.positions(account, (symbol) => {
      const m = this.markets.get(symbol);
      if (!m) return null;
      if (m.last !== null) return m.last;
      return m.bid !== null && m.ask !== null ? (m.bid + m.ask) / 2n : null;
    });
  }

  /** Cash per currency; open buys lock quote currency at their price, open crypto sells lock the base. */
  balances(account: string): Balance[] {
    const locked = new Map<string, bigint>();
    const lock = (currency: string, amount: bigint) => locked.set(currency, (locked.get(currency) ?? 0n) + amount);
    for (const open of this.openBySymbol.values())
      for (const w of open.values()) {
        if (w.order.account !== account) continue;
        const remaining = w.quantity - w.filled;
        if (w.order.side === "SELL") {
          if (w.instrument.kind === "CRYPTO") lock(w.instrument.base, remaining);
          continue;
        }
        const m = this.markets.get(w.order.symbol);
        const price = w.limit ?? w.stop ?? m?.ask ?? m?.last ?? 0n;
        lock(w.instrument.quote, fx.mul(price, remaining));
      }
    return this.ledger.balances(account, locked);
  }

  private refusal(order: Order): string | null {
    const instrument = this.options.instruments.find(order.symbol);
    if (!instrument) return `paper venue does not list ${order.symbol}`;
    // Fees nobody set are refused up front: charging another venue's rates would book wrong money.
    const rates = feeRates(instrument, this.fees);
    if (!rates) return `paper venue has no fee schedule for venue ${instrument.venue}`;
    // A KRX listing without its market, buy or sell: the sell that must follow could not be taxed right.
    if (rates.krxSellTax && isKrxListing(instrument)) {
      try {
        krxMarketOf(instrument);
      } catch (error) {
        return (error as Error).message;
      }
    }
    if (paysKrxTax(instrument, rates, order.side)) {
      try {
        krxTaxRate(krxMarketOf(instrument), this.options.clock(), this.krxTaxRates, this.krxHolidays);
      } catch (error) {
        return `${(error as Error).message} (KRX_SELL_TAX_RATES sets it)`;
      }
    }
    if (fx.toFixed(order.quantity) <= 0n) return "quantity must be greater than zero";
    const needsPrice = order.type === "LIMIT" || order.type === "STOP_LIMIT";
    if (needsPrice && order.price === null) return `${order.type} needs a price`;
    if (isStop(order) && order.stopPrice === null) return `${order.type} needs a stopPrice`;
    if (order.type === "MARKET" && this.top(order.symbol, order.side) === null)
      return `no market price for ${order.symbol} yet`;
    return null;
  }

  /**
   * A live order takes what the book offers up to its limit (TAKER), then the
   * rest rests (GTC, DAY limits) or expires (MARKET, IOC; FOK takes all or nothing).
   */
  private take(w: Working, now: bigint): ExecutionReport[] {
    const market = takesAnyPrice(w.order);
    const remaining = w.quantity - w.filled;
    const top = this.top(w.order.symbol, w.order.side);
    const takes = top
      ? walkBook({
          side: w.order.side,
          top,
          quantity: remaining,
          limit: market ? null : w.limit,
          tickAt: (price) => tickSizeAt(w.ticks, price),
          lotSize: w.lotSize,
          slippage: this.slippage,
        })
      : [];
    const available = takes.reduce((sum, t) => sum + t.quantity, 0n);
    const tif = w.order.timeInForce;
    if (tif === "FOK" && available < remaining)
      return [this.close(w, "EXPIRED", "FOK: the book cannot fill the whole quantity", now)];
    const reports: ExecutionReport[] = [];
    for (const t of takes) {
      reports.push(this.fill(w, t.price, t.quantity, "TAKER", now));
      if (t.level === 0) this.consumeTop(w.order.symbol, w.order.side, t.quantity);
    }
    if (this.isOpen(w) && (market || tif === "IOC" || tif === "FOK")) {
      const reason = market ? "market order: the rest found no liquidity" : "IOC: the rest is canceled";
      reports.push(this.close(w, "EXPIRED", reason, now));
    }
    return reports;
  }

  private triggerStops(symbol: string, source: "quote" | "trade", now: bigint, reports: ExecutionReport[]) {
    const triggered = new Set<string>();
    const market = this.market(symbol);
    for (const w of this.sorted(symbol)) {
      if (w.triggered || !this.stopReached(w, market, source)) continue;
      w.triggered = true;
      triggered.add(w.order.id);
      reports.push(...this.take(w, now));
    }
    return triggered;
  }

  /** A buy stop triggers at or above its stop price, a sell stop at or below. */
  private stopReached(w: Working, market: Market, source: "quote" | "trade" | "any"): boolean {
    const stop = w.stop as bigint;
    const buy = w.order.side === "BUY";
    const reached = (price: bigint | null) => price !== null && (buy ? price >= stop : price <= stop);
    const byTrade = source !== "quote" && reached(market.last);
    const byQuote = source !== "trade" && reached(buy ? market.ask : market.bid);
    return byTrade || byQuote;
  }

  /** Resting limits fill as MAKER at their own price, sharing one event's liquidity in price-time priority. */
  private matchResting(
    symbol: string,
    skip: Set<string>,
    pool: Pool,
    now: bigint,
    reports: ExecutionReport[],
    reached: (w: Working, limit: bigint) => boolean,
  ) {
    for (const w of this.sorted(symbol)) {
      if (!w.triggered || w.limit === null || skip.has(w.order.id) || !reached(w, w.limit)) continue;
      const side = w.order.side;
      const quantity = fx.floorTo(fx.min(w.quantity - w.filled, pool[side]), w.lotSize);
      if (quantity <= 0n) continue;
      pool[side] -= quantity;
      reports.push(this.fill(w, w.limit, quantity, "MAKER", now));
    }
  }

  private expireDue(now: bigint): ExecutionReport[] {
    const reports: ExecutionReport[] = [];
    if (this.nextExpiry === null || now < this.nextExpiry) return reports;
    let next: bigint | null = null;
    for (const open of this.openBySymbol.values())
      for (const w of [...open.values()]) {
        if (w.expiresAt === null) continue;
        if (now >= w.expiresAt) reports.push(this.close(w, "EXPIRED", "DAY order: the session ended", now));
        else if (next === null || w.expiresAt < next) next = w.expiresAt;
      }
    this.nextExpiry = next;
    return reports;
  }

  private fill(w: Working, price: bigint, quantity: bigint, liquidity: "MAKER" | "TAKER", now: bigint) {
    const rates = feeRates(w.instrument, this.fees) as FeeRates; // place() refused a venue without one
    const charge = { side: w.order.side, liquidity, notional: fx.mul(price, quantity), ts: now };
    const fee = feeFor(w.instrument, rates, charge, this.krxTaxRates, this.krxHolidays);
    const feeCurrency = w.instrument.quote;
    const trade = { symbol: w.order.symbol, side: w.order.side, price, quantity, fee, feeCurrency };
    this.ledger.book(w.order.account, w.instrument, trade, now);
    w.averagePrice = fx.weightedAverage(w.filled, w.averagePrice, quantity, price);
    w.filled += quantity;
    w.status = w.filled >= w.quantity ? "FILLED" : "PARTIALLY_FILLED";
    w.updatedAt = now;
    if (w.status === "FILLED") this.retire(w);
    const report = this.report(w, "FILL", null, now);
    const quantityText = fx.fromFixed(quantity);
    report.fill = {
      fillId: this.newId(),
      price: fx.fromFixed(price),
      quantity: quantityText,
      fee: fx.fromFixed(fee),
      feeCurrency,
      liquidity,
      // An order's first fill is all it has filled: the same digits, formatted once.
      cumulativeQuantity: w.filled === quantity ? quantityText : fx.fromFixed(w.filled),
    };
    return report;
  }

  private close(w: Working, kind: "CANCELED" | "EXPIRED", reason: string, now: bigint): ExecutionReport {
    w.status = kind;
    w.updatedAt = now;
    this.retire(w);
    return this.report(w, kind, reason, now);
  }

  /** Out of the open set; the oldest closed orders are forgotten past `retainClosed`. */
  private retire(w: Working) {
    this.openBySymbol.get(w.order.symbol)?.delete(w.order.id);
    this.closed.push(w.order.id);
    const limit = this.options.retainClosed ?? 100_000;
    while (this.closed.length > limit) {
      const old = this.orders.get(this.closed.shift() as string);
      if (!old) continue;
      this.orders.delete(old.order.id);
      this.byVenueId.delete(old.venueOrderId);
      this.acks.delete(old.order.id);
    }
  }

  private top(symbol: string, side: Order["side"]): TopOfBook | null {
    const m = this.markets.get(symbol);
    if (!m) return null;
    const left = (size: bigint, taken: bigint) => fx.max(0n, size - taken);
    if (side === "BUY" && m.ask !== null) return { price: m.ask, size: m.askSize, left: left(m.askSize, m.takenAsk) };
    if (side === "SELL" && m.bid !== null) return { price: m.bid, size: m.bidSize, left: left(m.bidSize, m.takenBid) };
    // Trades only (a tick-driven backtest): the last print is the book.
    return m.last === null ? null : { price: m.last, size: m.lastSize, left: left(m.lastSize, m.takenLast) };
  }

  /** Our own taker fills use up the best level until the next quote or trade refreshes it; deeper levels stay. */
  private consumeTop(symbol: string, side: Order["side"], quantity: bigint) {
    const m = this.market(symbol);
    if (side === "BUY" && m.ask !== null) m.takenAsk += quantity;
    else if (side === "SELL" && m.bid !== null) m.takenBid += quantity;
    else m.takenLast += quantity;
  }

  /** Open orders of a symbol in priority order: best price first, then time. */
  private sorted(symbol: string): readonly Working[] {
    const open = this.openBySymbol.get(symbol);
    if (open === undefined || open.size === 0) return NOTHING_OPEN;
    const price = (w: Working) => w.limit ?? w.stop ?? 0n;
    return [...open.values()].sort((a, b) => {
      if (a.order.side !== b.order.side || price(a) === price(b)) return a.seq - b.seq;
      const better = a.order.side === "BUY" ? price(a) > price(b) : price(a) < price(b);
      return better ? -1 : 1;
    });
  }

  private isOpen(w: Working) {
    return w.status === "ACCEPTED" || w.status === "PARTIALLY_FILLED";
  }

  private market(symbol: string): Market {
    let m = this.markets.get(symbol);
    if (!m) {
      m = {
        bid: null,
        ask: null,
        bidSize: 0n,
        askSize: 0n,
        last: null,
        lastSize: 0n,
        takenBid: 0n,
        takenAsk: 0n,
        takenLast: 0n,
      };
      this.markets.set(symbol, m);
    }
    return m;
  }

  private openOf(symbol: string): Map<string, Working> {
    let open = this.openBySymbol.get(symbol);
    if (!open) {
      open = new Map();
      this.openBySymbol.set(symbol, open);
    }
    return open;
  }

  private ack(orderId: string, venueOrderId: string | null, reason: string | null, now: bigint): BrokerAck {
    return { orderId, accepted: reason === null, venueOrderId, reason, tsEvent: this.stamp(now) };
  }

  private report(w: Working, kind: ExecutionReport["kind"], reason: string | null, now: bigint): ExecutionReport {
    const { id: orderId, account, venue, symbol, side } = w.order;
    return { orderId, account, venue, symbol, side, kind, fill: null, reason, tsEvent: this.stamp(now) };
  }

  /** The instrument's tick table and lot size, parsed on its first order (a listing is replaced, never changed). */
  private tickSpecOf(instrument: Instrument): TickSpec & { lotSize: bigint } {
    let parsed = this.parsedInstruments.get(instrument);
    if (!parsed) {
      parsed = { ...tickSpecOf(instrument), lotSize: fx.toFixed(instrument.lotSize) };
      this.parsedInstruments.set(instrument, parsed);
    }
    return parsed;
  }

  /**
   * `now` as ns digits. One place stamps its ack and every report (accepted, fills, expiry) with the same
   * clock reading: the BigInt is formatted once, not once per message.
   */
  private stamp(now: bigint): string {
    if (now !== this.stampedNs) {
      this.stampedNs = now;
      this.stampedText = now.toString();
    }
    return this.stampedText;
  }

  private venueOrder(w: Working): VenueOrder {
    const o = w.order;
    return {
      orderId: o.id,
      venueOrderId: w.venueOrderId,
      account: o.account,
      venue: o.venue,
      symbol: o.symbol,
      side: o.side,
      type: o.type,
      status: w.status,
      quantity: o.quantity,
      filledQuantity: fx.fromFixed(w.filled),
      price: o.price,
      averagePrice: w.filled === 0n ? null : fx.fromFixed(w.averagePrice),
      tsEvent: w.updatedAt.toString(),
    };
  }
}
