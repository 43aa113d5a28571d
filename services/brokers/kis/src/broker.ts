import {
  brokerAck,
  type PlacedOrder as KnownOrder,
  kstToEpochMs,
  orderReport,
  PLACED_ORDER_TTL_MS,
  PlacedOrders,
  type Placement,
  refusedPlacement,
  VenueError,
} from "@jts/broker-kit";
import {
  type AmendOrderCommand,
  type Balance,
  type BrokerAck,
  type Cache,
  type CancelOrderCommand,
  type ExecutionReport,
  fromFixed,
  fx,
  msToNs,
  nowNsString,
  type Order,
  type OrderStatus,
  type OrderType,
  type Position,
  type QueryOrderCommand,
  toFixed,
  type VenueOrder,
} from "@jts/contracts";
import type { KisSettings } from "./config.ts";
import type { KisRest } from "./http-client.ts";
import { krxCashOrderProblem } from "./krx.ts";
import { trId } from "./tr-ids.ts";
import {
  balanceQuery,
  type CashRow,
  cancelBody,
  type DailyOrderRow,
  dailyOrdersQuery,
  type HoldingRow,
  isCancelRow,
  kisDecimal,
  kstDay,
  type OrderCashOutput,
  orderCashBody,
  orderDivision,
  parseSide,
  reviseBody,
} from "./wire.ts";

const PATHS = {
  orderCash: "/uapi/domestic-stock/v1/trading/order-cash",
  reviseCancel: "/uapi/domestic-stock/v1/trading/order-rvsecncl",
  dailyOrders: "/uapi/domestic-stock/v1/trading/inquire-daily-ccld",
  balance: "/uapi/domestic-stock/v1/trading/inquire-balance",
} as const;

/** What JTS remembers about an order it placed at KIS: enough to cancel it and to turn fills into reports. */
interface PlacedOrder extends KnownOrder {
  orgNo: string;
  division: string;
  day: string;
  /** Totals over every row the order was worked on. */
  filled: string;
  averagePrice: string | null;
  done: boolean;
  /**
   * The rows a 정정 moved the order off (odno -> what was counted there); the
   * current row is `ack.venueOrderId`. Their late fills still count; their
   * end (KIS confirms the revised quantity there) is not the order's.
   */
  superseded?: Record<string, RowCount>;
}

/** Fills counted on one row: quantity and cost (quantity x price), fixed-point digit strings. */
interface RowCount {
  filled: string;
  cost: string;
}

/**
 * What the broker writes down before it sends a cash order: KIS takes no
 * client order id, so an order whose answer was lost is found again among
 * the day's orders by what it was (symbol, side, division, quantity, price)
 * and when it was sent.
 */
interface SentOrder {
  order: Order;
  day: string;
  /** Epoch ms just before the order left. */
  sentAtMs: number;
}

/** KRX order times are whole seconds (HHMMSS, KST): a row may read up to this much before our clock's send time. */
const ORDER_TIME_SLACK_MS = 2_000;

/**
 * The KIS domestic-stock execution client in contracts terms. KIS sends no
 * plain-text order events (its H0STCNI0 notices are AES-encrypted per
 * session), so fills and cancels are learnt by polling the day's orders
 * (`poll`); the service's leader runs it on a timer.
 */
export class KisBroker {
  private readonly orders: PlacedOrders<PlacedOrder>;

  constructor(
    private readonly settings: KisSettings,
    private readonly rest: KisRest,
    private readonly cache: Cache,
  ) {
    this.orders = new PlacedOrders(cache, "kis");
  }

  async place(order: Order): Promise<Placement> {
    return this.orders.place(order, () => this.placeNew(order));
  }

  private async placeNew(order: Order): Promise<Placement> {
    const refuse = (reason: string) => refusedPlacement(order.id, reason);
    const problem = krxCashOrderProblem(order, { name: "KIS", account: this.settings.account });
    if (problem) return refuse(problem);

    const sent: SentOrder = { order, day: kstDay(), sentAtMs: Date.now() };
    await this.cache.set(this.sentKey(order.id), JSON.stringify(sent), PLACED_ORDER_TTL_MS);
    let output: OrderCashOutput;
    try {
      const reply = await this.rest.post<{ output: OrderCashOutput }>(
        PATHS.orderCash,
        trId(order.side === "BUY" ? "buy" : "sell", this.settings.env),
        orderCashBody(this.settings, order),
      );
      output = reply.output;
    } catch (error) {
      if (error instanceof VenueError && error.kind === "rejected") return refuse(error.message);
      throw error;
    }
    const placed = await this.remember(order, output.ODNO, output.KRX_FWDG_ORD_ORGNO, sent.day);
    return { ack: placed.ack, reports: [orderReport("kis", placed.order, "ACCEPTED", null, null)] };
  }

  /** From now on `poll` follows the order and cancel reaches it; a lookup that found it first wrote the same. */
  private async remember(order: Order, venueOrderId: string, orgNo: string, day: string): Promise<PlacedOrder> {
    const known = await this.orders.load(order.id);
    if (known?.ack.venueOrderId === venueOrderId) return known;
    const placed: PlacedOrder = {
      order,
      ack: brokerAck(order.id, venueOrderId, null),
      orgNo,
      division: orderDivision(order),
      day,
      filled: "0",
      averagePrice: null,
      done: false,
    };
    await this.orders.save(placed);
    await this.cache.set(this.venueKey(day, venueOrderId), order.id, PLACED_ORDER_TTL_MS);
    return placed;
  }

  /**
   * An order sent whose answer never came: the first of the day's orders
   * that is what we sent, ordered no earlier than we sent it, and not
   * already known as another JTS order. Found, it is remembered as if the
   * answer had come, so its fills are polled and reported like any other.
   */
  private async findSent(orderId: string): Promise<VenueOrder | null> {
    const raw = await this.cache.get(this.sentKey(orderId));
    if (!raw) return null;
    const { order, day, sentAtMs } = JSON.parse(raw) as SentOrder;
    const rows = await this.dailyOrders(day, { symbol: order.symbol });
    const division = orderDivision(order);
    const price = order.type === "MARKET" ? "0" : (order.price ?? "0");
    for (const row of rows.sort((a, b) => a.ord_tmd.localeCompare(b.ord_tmd) || a.odno.localeCompare(b.odno))) {
      const same =
        !row.orgn_odno &&
        row.pdno === order.symbol &&
        parseSide(row.sll_buy_dvsn_cd) === order.side &&
        row.ord_dvsn_cd === division &&
        toFixed(kisDecimal(row.ord_qty)) === toFixed(order.quantity) &&
        toFixed(kisDecimal(row.ord_unpr)) === toFixed(price) &&
        kstToEpochMs(row.ord_dt, row.ord_tmd) >= sentAtMs - ORDER_TIME_SLACK_MS;
      if (!same || (await this.cache.get(this.venueKey(day, row.odno))) !== null) continue;
      await this.remember(order, row.odno, row.ord_gno_brno, day);
      return this.venueOrder(row, day);
    }
    return null;
  }

  async cancel(command: CancelOrderCommand): Promise<BrokerAck> {
    const now = nowNsString();
    // An order whose place answer was lost is found first: a cancel of it must still reach KIS.
    const placed =
      (await this.orders.load(command.orderId)) ??
      ((await this.findSent(command.orderId)) ? await this.orders.load(command.orderId) : null);
    const refuse = (reason: string) => brokerAck(command.orderId, placed?.ack.venueOrderId ?? null, reason, now);
    if (!placed?.ack.venueOrderId) return refuse("KIS broker does not know this order");
    if (placed.done) return refuse("the order is no longer open at KIS");
    try {
      await this.rest.post(
        PATHS.reviseCancel,
        trId("reviseCancel", this.settings.env),
        cancelBody(this.settings, {
          venueOrderId: placed.ack.venueOrderId,
          orgNo: placed.orgNo,
          division: placed.division,
        }),
      );
    } catch (error) {
      if (error instanceof VenueError && error.kind === "rejected") return refuse(error.message);
      throw error;
    }
    // The CANCELED report follows from `poll` once KIS confirms the cancel on the order's row.
    return brokerAck(command.orderId, placed.ack.venueOrderId, null, now);
  }

  /**
   * 정정: the unfilled remainder of a limit order moves to a new price, all of
   * it (QTY_ALL_ORD_YN Y), so a fill in flight cannot take the order past its
   * quantity. KIS works the remainder under a new order number; the order
   * follows it there and keeps counting fills on its earlier rows. A new
   * quantity is refused: 정정 cannot raise one (the OMS cancel-replaces instead).
   */
  async amend(command: AmendOrderCommand): Promise<BrokerAck> {
    const now = nowNsString();
    const placed = await this.orders.load(command.orderId);
    const current = placed?.ack.venueOrderId ?? null;
    const refuse = (reason: string) => brokerAck(command.orderId, current, reason, now);
    if (!placed || !current) return refuse("KIS broker does not know this order");
    if (placed.done) return refuse("the order is no longer open at KIS");
    if (placed.order.type !== "LIMIT" || command.price === null)
      return refuse("KIS 정정 moves a limit order's price; give a price");
    if (toFixed(command.quantity) !== toFixed(placed.order.quantity))
      return refuse("KIS 정정 moves the price of the unfilled remainder; a new quantity is a new order");
    let output: OrderCashOutput;
    try {
      const reply = await this.rest.post<{ output: OrderCashOutput }>(
        PATHS.reviseCancel,
        trId("reviseCancel", this.settings.env),
        reviseBody(
          this.settings,
          { venueOrderId: current, orgNo: placed.orgNo, division: placed.division },
          command.price,
        ),
      );
      output = reply.output;
    } catch (error) {
      if (error instanceof VenueError && error.kind === "rejected") return refuse(error.message);
      throw error;
    }
    placed.superseded = { ...placed.superseded, [current]: countedOn(placed, current) };
    placed.ack = { ...placed.ack, venueOrderId: output.ODNO };
    placed.orgNo = output.KRX_FWDG_ORD_ORGNO;
    placed.order = { ...placed.order, price: command.price };
    await this.orders.save(placed);
    await this.cache.set(this.venueKey(placed.day, output.ODNO), placed.order.id, PLACED_ORDER_TTL_MS);
    return brokerAck(command.orderId, output.ODNO, null, now);
  }

  /**
   * Reads the day's orders and reports what changed on every order JTS placed
   * that is not finished yet. All state lives in the cache, so any replica may
   * poll; the service lets only its leader do it, so reports are not doubled.
   */
  async poll(): Promise<ExecutionReport[]> {
    const day = kstDay();
    const rows = await this.dailyOrders(day);
    const reports: ExecutionReport[] = [];
    for (const row of rows) {
      // Cancel rows carry no fills; a 정정's row is found by its odno like the original's.
      if (isCancelRow(row)) continue;
      const orderId = await this.cache.get(this.venueKey(day, row.odno));
      const placed = orderId ? await this.orders.load(orderId) : null;
      if (!placed || placed.done) continue;
      const changes = this.changes(placed, row);
      if (changes.length === 0 && !placed.done) continue;
      reports.push(...changes);
      await this.orders.save(placed);
    }
    return reports;
  }

  /**
   * The lookup by our order id: the order as the day's order inquiry shows
   * it. One whose place answer was lost is looked for among the day's orders
   * (`findSent`); null when KIS has no such order.
   */
  async queryOrder(query: QueryOrderCommand): Promise<VenueOrder | null> {
    if (query.account !== this.settings.account) return null;
    const placed = query.orderId ? await this.orders.load(query.orderId) : null;
    const venueOrderId = query.venueOrderId ?? placed?.ack.venueOrderId;
    if (!venueOrderId) return query.orderId ? this.findSent(query.orderId) : null;
    const day = placed?.day ?? kstDay();
    const rows = await this.dailyOrders(day, { venueOrderId, symbol: query.symbol });
    const row = rows.find((r) => r.odno === venueOrderId && !isCancelRow(r));
    if (!row) return null;
    const order = await this.venueOrder(row, day);
    return placed?.superseded ? this.acrossRows(order, placed) : order;
  }

  /** A revised order as one order: its quantity, and the fills on every row it was worked on (read now). */
  private async acrossRows(current: VenueOrder, placed: PlacedOrder): Promise<VenueOrder> {
    let filled = toFixed(current.filledQuantity);
    let cost = current.averagePrice ? fx.mul(toFixed(current.averagePrice), filled) : 0n;
    for (const odno of Object.keys(placed.superseded ?? {})) {
      const [row] = (await this.dailyOrders(placed.day, { venueOrderId: odno, symbol: placed.order.symbol })).filter(
        (r) => r.odno === odno,
      );
      if (!row) continue;
      const rowFilled = toFixed(kisDecimal(row.tot_ccld_qty));
      filled += rowFilled;
      cost += fx.mul(toFixed(kisDecimal(row.avg_prvs)), rowFilled);
    }
    const quantity = toFixed(placed.order.quantity);
    const status = filled >= quantity && quantity > 0n ? "FILLED" : current.status;
    return {
      ...current,
      orderId: placed.order.id,
      quantity: placed.order.quantity,
      filledQuantity: fromFixed(filled),
      averagePrice: filled > 0n ? fromFixed(fx.div(cost, filled)) : null,
      status,
    };
  }

  async openOrders(account?: string): Promise<VenueOrder[]> {
    if (account !== undefined && account !== this.settings.account) return [];
    const day = kstDay();
    const rows = await this.dailyOrders(day, { unfilledOnly: true });
    const orders = await Promise.all(
      rows
        .filter((r) => !isCancelRow(r))
        .map(async (r) => {
          const order = await this.venueOrder(r, day);
          const placed = order.orderId ? await this.orders.load(order.orderId) : null;
          return placed?.superseded ? this.acrossRows(order, placed) : order;
        }),
    );
    return orders.filter((o) => o.status === "ACCEPTED" || o.status === "PARTIALLY_FILLED");
  }

  async balances(account: string): Promise<Balance[]> {
    if (account !== this.settings.account) return [];
    const { output2 } = await this.balanceInquiry();
    const cash = output2[0];
    if (!cash) return [];
    const total = toFixed(kisDecimal(cash.dnca_tot_amt));
    // D+2 settled cash is what KIS lets new buys use; the rest waits on settlement or open orders.
    const settled = toFixed(kisDecimal(cash.prvs_rcdl_excc_amt));
    const free = fx.min(settled, total);
    return [
      { account, currency: "KRW", total: fromFixed(total), free: fromFixed(free), locked: fromFixed(total - free) },
    ];
  }

  async positions(account: string): Promise<Position[]> {
    if (account !== this.settings.account) return [];
    const { output1 } = await this.balanceInquiry();
    const now = nowNsString();
    return output1
      .filter((h) => toFixed(kisDecimal(h.hldg_qty)) !== 0n)
      .map((h) => ({
        account,
        symbol: h.pdno,
        venue: "kis" as const,
        quantity: kisDecimal(h.hldg_qty),
        averagePrice: kisDecimal(h.pchs_avg_pric),
        realizedPnl: "0",
        unrealizedPnl: kisDecimal(h.evlu_pfls_amt),
        lastPrice: kisDecimal(h.prpr),
        currency: "KRW",
        updatedAt: now,
      }));
  }

  private async balanceInquiry() {
    return this.rest.get<{ output1: HoldingRow[]; output2: CashRow[] }>(
      PATHS.balance,
      trId("balance", this.settings.env),
      balanceQuery(this.settings),
    );
  }

  private async dailyOrders(
    day: string,
    filter: Parameters<typeof dailyOrdersQuery>[2] = {},
  ): Promise<DailyOrderRow[]> {
    return this.rest.getAllPages<DailyOrderRow>(
      PATHS.dailyOrders,
      trId("dailyOrders", this.settings.env),
      dailyOrdersQuery(this.settings, day, filter),
    );
  }

  /**
   * Fills on `row` since the last poll, then the terminal state if the row is
   * the order's current one and has one. A row a 정정 moved the order off
   * reports only its late fills.
   */
  private changes(placed: PlacedOrder, row: DailyOrderRow): ExecutionReport[] {
    const reports: ExecutionReport[] = [];
    const superseded = placed.superseded?.[row.odno];
    const counted = superseded ?? countedOn(placed, row.odno);
    const filledBefore = toFixed(counted.filled);
    const filledNow = toFixed(kisDecimal(row.tot_ccld_qty));
    if (filledNow > filledBefore) {
      const costNow = fx.mul(toFixed(kisDecimal(row.avg_prvs)), filledNow);
      const quantity = filledNow - filledBefore;
      const price = fx.div(costNow - toFixed(counted.cost), quantity);
      reports.push(
        orderReport("kis", placed.order, "FILL", null, {
          fillId: `${row.odno}-${fromFixed(filledNow)}`,
          price: fromFixed(price),
          quantity: fromFixed(quantity),
          // KIS reports commission and tax on settlement, not per execution.
          fee: "0",
          feeCurrency: "KRW",
          liquidity: placed.order.type === "MARKET" ? "TAKER" : "MAKER",
        }),
      );
      const totalFilled = toFixed(placed.filled) + quantity;
      const totalCost = totalCostOf(placed) + costNow - toFixed(counted.cost);
      placed.filled = fromFixed(totalFilled);
      // One row: KIS's own average, as it reports it.
      placed.averagePrice = placed.superseded ? fromFixed(fx.div(totalCost, totalFilled)) : kisDecimal(row.avg_prvs);
      if (superseded)
        placed.superseded = {
          ...placed.superseded,
          [row.odno]: { filled: fromFixed(filledNow), cost: fromFixed(costNow) },
        };
    }
    if (superseded) return reports;
    const status = statusOf(row);
    if (status === "FILLED" || status === "CANCELED" || status === "REJECTED") {
      placed.done = true;
      const immediate = placed.order.timeInForce === "IOC" || placed.order.timeInForce === "FOK";
      // KRX cancels what an IOC/FOK order could not fill at once: for JTS that is EXPIRED, not CANCELED.
      if (status === "CANCELED" && immediate)
        reports.push(
          orderReport("kis", placed.order, "EXPIRED", `${placed.order.timeInForce} remainder canceled by KRX`, null),
        );
      else if (status !== "FILLED")
        reports.push(orderReport("kis", placed.order, status, status === "REJECTED" ? "refused by KIS" : null, null));
    }
    return reports;
  }

  private async venueOrder(row: DailyOrderRow, day: string): Promise<VenueOrder> {
    const orderId = await this.cache.get(this.venueKey(day, row.odno));
    const filled = kisDecimal(row.tot_ccld_qty);
    return {
      orderId,
      venueOrderId: row.odno,
      account: this.settings.account,
      venue: "kis",
      symbol: row.pdno,
      side: parseSide(row.sll_buy_dvsn_cd),
      type: orderTypeOf(row.ord_dvsn_cd),
      status: statusOf(row),
      quantity: kisDecimal(row.ord_qty),
      filledQuantity: filled,
      price: orderTypeOf(row.ord_dvsn_cd) === "LIMIT" ? kisDecimal(row.ord_unpr) : null,
      averagePrice: toFixed(filled) > 0n ? kisDecimal(row.avg_prvs) : null,
      tsEvent: msToNs(kstToEpochMs(row.ord_dt, row.ord_tmd)).toString(),
    };
  }

  private sentKey(orderId: string): string {
    return `kis:sent:${this.settings.env}:${orderId}`;
  }

  private venueKey(day: string, venueOrderId: string): string {
    return `kis:venue-order:${this.settings.env}:${day}:${venueOrderId}`;
  }
}

/** What the order's totals hold besides its superseded rows: what was counted on the row `odno` (the current one). */
function countedOn(placed: PlacedOrder, odno: string): RowCount {
  const earlier = Object.entries(placed.superseded ?? {}).filter(([row]) => row !== odno);
  const filled = toFixed(placed.filled) - earlier.reduce((sum, [, c]) => sum + toFixed(c.filled), 0n);
  const cost = totalCostOf(placed) - earlier.reduce((sum, [, c]) => sum + toFixed(c.cost), 0n);
  return { filled: fromFixed(filled), cost: fromFixed(cost) };
}

function totalCostOf(placed: PlacedOrder): bigint {
  return placed.averagePrice ? fx.mul(toFixed(placed.averagePrice), toFixed(placed.filled)) : 0n;
}

/** ORD_DVSN 01, 13 and 14 are market orders; 00, 11 and 12 limit orders. */
function orderTypeOf(division: string): OrderType {
  return division === "01" || division === "13" || division === "14" ? "MARKET" : "LIMIT";
}

function statusOf(row: DailyOrderRow): OrderStatus {
  const ordered = toFixed(kisDecimal(row.ord_qty));
  const filled = toFixed(kisDecimal(row.tot_ccld_qty));
  if (toFixed(kisDecimal(row.rjct_qty)) > 0n) return "REJECTED";
  if (filled >= ordered && ordered > 0n) return "FILLED";
  if (row.cncl_yn === "Y" || toFixed(kisDecimal(row.cnc_cfrm_qty)) > 0n) return "CANCELED";
  return filled > 0n ? "PARTIALLY_FILLED" : "ACCEPTED";
}
