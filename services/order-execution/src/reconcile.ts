import {
  type Alert,
  type BrokerSubject,
  EventTypes,
  type ExecutionReport,
  type Fixed,
  fx,
  nowNsString,
  type Order,
  orderReport,
  type Position,
  type RpcReply,
  type RpcTransport,
  Subjects,
  Topics,
  type VenueOrder,
} from "@jts/contracts";
import { type CallArgs, envelope, type Logger, newId, rpcClient } from "@jts/kit";
import type { OrderRepository, OrderTransaction } from "./repository.ts";
import type { BrokerRouter } from "./routing.ts";

export interface ReconcileDeps {
  repository: OrderRepository;
  rpc: RpcTransport;
  router: BrokerRouter;
  logger: Logger;
  /** Folds a report into its order (OrderManager.onReport): the state machine decides. */
  fold(report: ExecutionReport): Promise<void>;
  /** Orders the OMS holds itself (local stops): no venue knows them. */
  heldLocally(orderId: string): boolean;
  /**
   * Reopens a closed order its venue works (the state machine's canReopen
   * correction) as ACCEPTED, or PARTIALLY_FILLED when it has fills, and
   * republishes it; the reopened order, or null when it may not reopen.
   */
  reopen(orderId: string): Promise<Order | null>;
  /** Makes sure an OUTCOME_UNKNOWN order is being looked up at its venue (OutcomeLookups.track). */
  lookUpOutcome(orderId: string): void;
  /** The currency fees of a symbol are charged in (its quote currency). */
  quoteCurrency(symbol: string): string;
  timeoutMs?: number;
  /**
   * Alerts raised by earlier runs (title and message): a run every 30 s raises
   * each standing problem once, not every run. Logged every run all the same.
   */
  raised?: Set<string>;
  /**
   * How long to let in-flight execution reports land before a fill difference
   * is folded as a reconciliation fill: after a crash the bus redelivers the
   * venue's own reports, and those must win over a synthesized fill.
   */
  settleMs?: number;
}

export interface ReconcileSummary {
  /** Brokers that answered open-orders. */
  brokers: string[];
  checked: number;
  /** Our orders whose state or fills the venue's answer changed. */
  corrected: string[];
  /** Venue orders JTS did not place (or no longer knows). */
  unknownAtVenue: VenueOrder[];
  positionMismatches: Array<{ broker: string; account: string; symbol: string; ours: string; venue: string }>;
  /** Venue orders working there that JTS has as REJECTED, CANCELED or EXPIRED (e.g. placed after their lookup gave up). */
  closedHereOpenThere: VenueOrder[];
}

const closedHere = (status: Order["status"]) => status === "REJECTED" || status === "CANCELED" || status === "EXPIRED";

const WORKING = ["NEW", "OUTCOME_UNKNOWN", "ACCEPTED", "PARTIALLY_FILLED"] as const;

/**
 * At start, for each broker: what we think is working against what the venue
 * says. Our working orders the venue does not list are asked for one by one
 * (query-order) and their final state folded in, with a reconciliation fill
 * for fills we missed; an order the venue does not know at all is canceled.
 * Venue orders we do not know, and positions that differ from our fills, are
 * raised as alerts: a human decides about those. Runs at start and every few
 * seconds (ORDER_RECONCILE_EVERY_MS). Orders whose outcome is unknown are
 * handed to their lookup (a venue that does not know one yet may still get
 * it: "not there" only counts after the lookup's grace period), and a venue
 * order carrying one's id is not "unknown at the venue".
 */
export async function reconcile(deps: ReconcileDeps): Promise<ReconcileSummary> {
  const summary: ReconcileSummary = {
    brokers: [],
    checked: 0,
    corrected: [],
    unknownAtVenue: [],
    positionMismatches: [],
    closedHereOpenThere: [],
  };
  const ours = (await Promise.all(WORKING.map((status) => deps.repository.list({ status })))).flat();
  /** Orders whose venue has more fills than we do: looked at again once in-flight reports had time to land. */
  const pending: Array<{ order: Order; broker: string }> = [];
  const sentTo = brokerLookup(deps.router);
  for (const broker of deps.router.brokers()) {
    let venueOpen: VenueOrder[];
    try {
      venueOpen = await request(deps, Subjects.brokerOpenOrders(broker), {});
    } catch (error) {
      deps.logger.warn("reconciliation skipped a broker that does not answer", {
        broker,
        error: (error as Error).message,
      });
      continue;
    }
    summary.brokers.push(broker);
    const byOrderId = new Map(venueOpen.filter((v) => v.orderId !== null).map((v) => [v.orderId as string, v]));
    const differing: Array<{ order: Order; broker: string }> = [];
    for (const order of ours) {
      // NEW orders are resumed by routing them again; held stops are at no venue.
      if (order.status === "NEW" || deps.heldLocally(order.id)) continue;
      if (order.status === "OUTCOME_UNKNOWN") {
        deps.lookUpOutcome(order.id);
        continue;
      }
      if ((await sentTo(order)) !== broker) continue;
      summary.checked++;
      const venue =
        byOrderId.get(order.id) ??
        (await request(deps, Subjects.brokerQueryOrder(broker), {
          account: order.account,
          symbol: order.symbol,
          orderId: order.id,
          ...(order.venueOrderId ? { venueOrderId: order.venueOrderId } : {}),
        }).catch(() => undefined));
      if (venue === undefined) continue; // no answer: leave it for the next run
      if (venue !== null && fx.toFixed(venue.filledQuantity) > fx.toFixed(order.filledQuantity))
        differing.push({ order, broker });
      else if (await foldVenueState(deps, order, venue)) summary.corrected.push(order.id);
    }
    pending.push(...differing);
    for (const v of venueOpen) {
      const mine = v.orderId === null ? undefined : await deps.repository.get(v.orderId);
      if (mine && closedHere(mine.status)) {
        summary.closedHereOpenThere.push(v);
        if (await reopenWorking(deps, broker, mine)) {
          summary.corrected.push(mine.id);
          continue;
        }
        // Not one JTS may reopen (EXPIRED), or the venue's own answer for it disagrees: a human decides.
        await raise(
          deps,
          v.account,
          "Order open at the venue but closed in JTS",
          `${broker} still works order ${mine.id} (${mine.clientOrderId}, ${v.side} ${v.quantity} ${v.symbol}) that JTS has as ${mine.status}: cancel it at the venue or expect its fills`,
        );
      }
      if (mine) continue;
      summary.unknownAtVenue.push(v);
      await raise(
        deps,
        v.account,
        "Unknown order at the venue",
        `${broker} works ${v.side} ${v.quantity} ${v.symbol} (venue id ${v.venueOrderId}) that JTS did not place`,
      );
    }
  }
  if (pending.length > 0) await Bun.sleep(deps.settleMs ?? 0);
  for (const { order, broker } of pending) {
    const now = await deps.repository.get(order.id);
    if (!now) continue;
    const venue = await request(deps, Subjects.brokerQueryOrder(broker), {
      account: now.account,
      symbol: now.symbol,
      orderId: now.id,
    }).catch(() => undefined);
    if (venue === undefined) continue;
    if (await foldVenueState(deps, now, venue)) summary.corrected.push(now.id);
  }
  // Last, so the fills folded above count.
  for (const broker of summary.brokers)
    summary.positionMismatches.push(...(await comparePositions(deps, broker, sentTo)));
  deps.logger.info("reconciliation done", {
    brokers: summary.brokers.join(","),
    checked: summary.checked,
    corrected: summary.corrected.length,
    unknownAtVenue: summary.unknownAtVenue.length,
    positionMismatches: summary.positionMismatches.length,
  });
  return summary;
}

/**
 * A closed order the venue's open-orders list shows working: asked for once
 * more on its own (a list can lag a cancel), and when the venue still works
 * it, reopened (the venue is the truth), its missed fills folded, an alert
 * raised. True when it was reopened.
 */
async function reopenWorking(deps: ReconcileDeps, broker: string, order: Order): Promise<boolean> {
  const venue = await request(deps, Subjects.brokerQueryOrder(broker), {
    account: order.account,
    symbol: order.symbol,
    orderId: order.id,
    ...(order.venueOrderId ? { venueOrderId: order.venueOrderId } : {}),
  }).catch(() => undefined);
  if (!venue || (venue.status !== "ACCEPTED" && venue.status !== "PARTIALLY_FILLED")) return false;
  const reopened = await deps.reopen(order.id);
  if (!reopened) return false;
  await foldVenueState(deps, reopened, venue);
  await raise(
    deps,
    order.account,
    "Order reopened: open at the venue",
    `${broker} works order ${order.id} (${order.clientOrderId}, ${order.side} ${order.quantity} ${order.symbol}) that JTS had as ${order.status}: it is ${venue.status} again, reserved by risk and can be canceled`,
  );
  return true;
}

/** Folds the venue's view of one order into ours; true when something changed. */
async function foldVenueState(deps: ReconcileDeps, order: Order, venue: VenueOrder | null): Promise<boolean> {
  const tsEvent = nowNsString();
  if (venue === null) {
    deps.logger.warn("the venue does not know an order we think is working: canceled", { orderId: order.id });
    await deps.fold(orderReport(order, "CANCELED", { reason: "reconciliation: unknown at the venue", tsEvent }));
    await raise(deps, order.account, "Order unknown at the venue", `order ${order.id} was not at the venue; canceled`);
    return true;
  }
  let changed = false;
  const missed = missedFillReport(order, venue, deps.quoteCurrency(order.symbol));
  if (missed) {
    await deps.fold(missed);
    changed = true;
  }
  if (venue.status === "CANCELED" || venue.status === "EXPIRED" || venue.status === "REJECTED") {
    if (order.status !== venue.status) {
      await deps.fold(
        orderReport(order, venue.status, { reason: "reconciliation: final state at the venue", tsEvent }),
      );
      changed = true;
    }
  }
  if (changed) deps.logger.warn("reconciled an order with its venue", { orderId: order.id, venueStatus: venue.status });
  return changed;
}

/**
 * The reconciliation fill for what the venue executed of an order beyond our
 * fills (null when nothing is missing): its quantity is the difference, its
 * price the one that makes our average the venue's, its id names the venue's
 * total (a second look at the same state books nothing twice). Used by
 * reconciliation and by the outcome lookup (an order found closed with fills).
 */
export function missedFillReport(order: Order, venue: VenueOrder, feeCurrency: string): ExecutionReport | null {
  const missed = fx.toFixed(venue.filledQuantity) - fx.toFixed(order.filledQuantity);
  if (missed <= 0n) return null;
  return orderReport(order, "FILL", {
    fill: {
      fillId: reconciliationFillId(order.id, venue.filledQuantity),
      price: fx.fromFixed(missedFillPrice(order, venue, missed)),
      quantity: fx.fromFixed(missed),
      fee: "0",
      feeCurrency,
      liquidity: "TAKER",
      cumulativeQuantity: venue.filledQuantity,
    },
    reason: "reconciliation: fills reported by the venue but not to us",
    tsEvent: nowNsString(),
  });
}

/**
 * The id of the fill reconciliation books for what the venue had executed of
 * an order (`venueFilled`, its total) beyond the fills we had: it names that
 * total, so the fills it stands in for can be told apart when their own
 * reports arrive late (uncoveredPart).
 */
export function reconciliationFillId(orderId: string, venueFilled: string): string {
  return `recon-${orderId}-${venueFilled}`;
}

/**
 * What of a venue fill is still to book: the part a reconciliation fill of its
 * order has not booked already, and its price. A fill spans the venue's
 * executed total from (cumulative - quantity) to cumulative; reconciliation
 * booked up to the highest total its fills name. A report that comes late (a
 * slow or rebalancing consumer after a restart) is then booked not at all, or
 * only for what lies beyond (a KIS report sums every fill of a row since the
 * last poll, so it can straddle). The part beyond is priced so the report's
 * whole cost is right: (report price x report quantity - cost of what is
 * booked inside its span) / part beyond. At the report's average it would be
 * wrong whenever the price moved (4 @ 100 booked, then 2 @ 110: a report of
 * 6 @ 103.33 must book its 2 at 110). When the reconciliation fills do not
 * account for all that is covered (a fill booked without a venue total,
 * which a report from the same venue never re-sums), or the price would not
 * be positive, the report's own price is kept. A fill without a
 * cumulative quantity cannot be told apart and is booked whole.
 */
export async function uncoveredPart(
  tx: Pick<OrderTransaction, "fills">,
  order: Pick<Order, "id" | "filledQuantity">,
  fill: NonNullable<ExecutionReport["fill"]>,
): Promise<{ quantity: Fixed; price: Fixed }> {
  const quantity = fx.toFixed(fill.quantity);
  const price = fx.toFixed(fill.price);
  if (fill.cumulativeQuantity === undefined) return { quantity, price };
  const cumulative = fx.toFixed(fill.cumulativeQuantity);
  const start = cumulative - quantity;
  // The usual new fill starts where what we booked ends: nothing booked can cover it, no read.
  if (start >= fx.toFixed(order.filledQuantity)) return { quantity, price };
  const prefix = reconciliationFillId(order.id, "");
  const booked = (await tx.fills(order.id)).filter((f) => f.id !== fill.fillId);
  let through = -1n;
  for (const f of booked) if (f.id.startsWith(prefix)) through = fx.max(through, fx.toFixed(f.id.slice(prefix.length)));
  const coveredEnd = fx.min(cumulative, fx.max(through, start));
  const uncovered = cumulative - coveredEnd;
  if (uncovered <= 0n || coveredEnd === start) return { quantity: fx.max(0n, uncovered), price };
  // The cost of the reconciliation fills inside [start, coveredEnd]: each spans (its total - its quantity, its total].
  // What is covered there is theirs: the venue's own earlier reports end where the next report starts.
  let coveredQuantity = 0n;
  let coveredCost = 0n;
  for (const f of booked) {
    if (!f.id.startsWith(prefix)) continue;
    const end = fx.toFixed(f.id.slice(prefix.length));
    const overlap = fx.min(end, coveredEnd) - fx.max(end - fx.toFixed(f.quantity), start);
    if (overlap <= 0n) continue;
    coveredQuantity += overlap;
    coveredCost += fx.mul(overlap, fx.toFixed(f.price));
  }
  if (coveredQuantity !== coveredEnd - start) return { quantity: uncovered, price };
  const rest = fx.div(fx.mul(price, quantity) - coveredCost, uncovered);
  return { quantity: uncovered, price: rest > 0n ? rest : price };
}

/** The price that makes our average equal the venue's: (venue cost - our cost) / missed quantity. */
function missedFillPrice(order: Order, venue: VenueOrder, missed: bigint): bigint {
  const fallback = fx.toFixed(venue.averagePrice ?? venue.price ?? order.averagePrice ?? order.price ?? "0");
  if (venue.averagePrice === null) return fallback;
  const venueCost = fx.mul(fx.toFixed(venue.averagePrice), fx.toFixed(venue.filledQuantity));
  const ourCost = order.averagePrice ? fx.mul(fx.toFixed(order.averagePrice), fx.toFixed(order.filledQuantity)) : 0n;
  const price = fx.div(venueCost - ourCost, missed);
  return price > 0n ? price : fallback;
}

/** Net quantity per account and symbol from our fills against the broker's positions, where it offers them. */
async function comparePositions(
  deps: ReconcileDeps,
  broker: string,
  sentTo: BrokerLookup,
): Promise<ReconcileSummary["positionMismatches"]> {
  const net = new Map<string, Map<string, bigint>>();
  for (const fill of await deps.repository.listFills()) {
    if ((await sentTo({ id: fill.orderId, account: fill.account, venue: fill.venue })) !== broker) continue;
    const bySymbol = net.get(fill.account) ?? new Map<string, bigint>();
    net.set(fill.account, bySymbol);
    const signed = fx.toFixed(fill.quantity) * (fill.side === "BUY" ? 1n : -1n);
    bySymbol.set(fill.symbol, (bySymbol.get(fill.symbol) ?? 0n) + signed);
  }
  const mismatches: ReconcileSummary["positionMismatches"] = [];
  for (const [account, bySymbol] of net) {
    let positions: Position[];
    try {
      positions = await request(deps, Subjects.brokerPositions(broker), { account });
    } catch {
      deps.logger.info("broker offers no positions; not compared", { broker, account });
      return mismatches;
    }
    const venue = new Map(positions.map((p) => [p.symbol, fx.toFixed(p.quantity)]));
    for (const symbol of new Set([...bySymbol.keys(), ...venue.keys()])) {
      const ours = bySymbol.get(symbol) ?? 0n;
      const theirs = venue.get(symbol) ?? 0n;
      if (ours === theirs) continue;
      const mismatch = { broker, account, symbol, ours: fx.fromFixed(ours), venue: fx.fromFixed(theirs) };
      mismatches.push(mismatch);
      await raise(
        deps,
        account,
        "Position differs from the venue",
        `${symbol}: our fills net ${mismatch.ours}, ${broker} holds ${mismatch.venue}`,
      );
    }
  }
  return mismatches;
}

type BrokerLookup = (order: Pick<Order, "id" | "account" | "venue">) => Promise<string | null>;

/** The broker of each order, asked once per run: every broker's pass looks at every order. */
function brokerLookup(router: BrokerRouter): BrokerLookup {
  const known = new Map<string, Promise<string | null>>();
  return (order) => {
    let broker = known.get(order.id);
    if (!broker) {
      broker = router.brokerFor(order).catch(() => null);
      known.set(order.id, broker);
    }
    return broker;
  };
}

function request<S extends BrokerSubject>(deps: ReconcileDeps, subject: S, ...args: CallArgs<S>): Promise<RpcReply<S>> {
  return rpcClient(deps.rpc, deps.timeoutMs ?? 5000).call(subject, ...args);
}

/** A warning on alert.raised, through the repository so it leaves with the outbox like every other event. */
async function raise(deps: ReconcileDeps, account: string, title: string, message: string): Promise<void> {
  deps.logger.warn(title, { account, message });
  const key = `${account}|${title}|${message}`;
  if (deps.raised?.has(key)) return;
  if (deps.raised && deps.raised.size >= 10_000) deps.raised.clear();
  deps.raised?.add(key);
  await deps.repository.transaction(async (tx) => {
    tx.emit(Topics.alert, alertEvent(account, title, message));
  });
}

/** The alert.raised event of an OMS warning (or, with `extra`, another alert), for a repository transaction to emit. */
export function alertEvent(account: string, title: string, message: string, extra: Partial<Alert> = {}) {
  const alert: Alert = {
    id: newId(),
    severity: "WARNING",
    kind: "SYSTEM",
    title,
    message,
    account,
    tsEvent: nowNsString(),
    ...extra,
  };
  return envelope(EventTypes.alert, "order-execution", account, alert);
}
