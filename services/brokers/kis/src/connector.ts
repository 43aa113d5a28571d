import { hostname } from "node:os";
import {
  brokerAck,
  credentialTag,
  type PlacedOrder as KnownOrder,
  krxCashOrderProblem,
  kstDay,
  kstToEpochMs,
  orderClientConnector,
  orderReport,
  PLACED_ORDER_TTL_MS,
  PlacedOrders,
  type Placement,
  refusedPlacement,
  VenueError,
  type VenueSink,
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
  type Lock,
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
import { createLogger, holdLeadership, type Leadership, type Logger, newId } from "@jts/kit";
import type { KisSettings } from "./config.ts";
import { KIS_VENUE, trId } from "./constants.ts";
import {
  balanceQuery,
  type CashRow,
  cancelBody,
  type DailyOrderRow,
  dailyOrdersQuery,
  type HoldingRow,
  isCancelRow,
  kisDecimal,
  type OrderCashOutput,
  orderCashBody,
  orderDivision,
  parseSide,
  reviseBody,
} from "./parse.ts";
import type { KisRest } from "./rest.ts";
import { KisStream } from "./stream.ts";

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
    private readonly logger: Logger = createLogger({ service: "broker-kis" }),
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
    // Written before the order leaves, so a lookup of an identical order sees this one as a contender for any row it makes.
    await this.cache.set(this.sentKey(order.id), JSON.stringify(sent), PLACED_ORDER_TTL_MS);
    const slot = await this.cache.increment(this.likeKey(sent.day, order), 1, PLACED_ORDER_TTL_MS);
    await this.cache.set(`${this.likeKey(sent.day, order)}:${slot}`, order.id, PLACED_ORDER_TTL_MS);
    let output: OrderCashOutput;
    try {
      const reply = await this.rest.post<{ output: OrderCashOutput }>(
        PATHS.orderCash,
        trId(order.side === "BUY" ? "buy" : "sell", this.settings.env),
        orderCashBody(this.settings, order),
      );
      output = reply.output;
    } catch (error) {
      if (error instanceof VenueError && error.kind === "rejected") {
        // KIS refused it: no row of the day's is this order's, so it contends for none.
        await this.cache.delete(this.sentKey(order.id));
        return refuse(error.message);
      }
      throw error;
    }
    // A reply always gets its row (remember takes it back from a lookup's guess), so it is never null here.
    const placed = (await this.remember(
      order,
      output.ODNO,
      output.KRX_FWDG_ORD_ORGNO,
      sent.day,
      "reply",
    )) as PlacedOrder;
    return { ack: placed.ack, reports: [orderReport("kis", placed.order, "ACCEPTED", null, null)] };
  }

  /**
   * From now on `poll` follows the order and cancel reaches it. The row is
   * claimed for the order atomically (set-if-absent on its venue key), so no
   * two JTS orders ever hold one row. KIS's place reply is the truth about
   * whose row it is: a row a lookup gave to another order is taken back from
   * it (logged at error, both ids; that order is looked up again). A lookup
   * that loses the claim to anyone answers null.
   */
  private async remember(
    order: Order,
    venueOrderId: string,
    orgNo: string,
    day: string,
    how: "reply" | "lookup",
  ): Promise<PlacedOrder | null> {
    const known = await this.orders.load(order.id);
    if (known?.ack.venueOrderId === venueOrderId) return known;
    const claim = this.venueKey(day, venueOrderId);
    if (!(await this.cache.setIfAbsent(claim, order.id, PLACED_ORDER_TTL_MS))) {
      const holder = await this.cache.get(claim);
      if (holder !== order.id) {
        if (how === "lookup") return null;
        if (holder !== null)
          this.logger.error(
            "KIS row claimed by another JTS order: the place reply takes it back; that order is looked up again",
            {
              venueOrderId,
              orderId: order.id,
              heldBy: holder,
            },
          );
        if (holder !== null) await this.forget(holder, venueOrderId);
        await this.cache.set(claim, order.id, PLACED_ORDER_TTL_MS);
      }
    }
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
    return placed;
  }

  /** A lookup's wrong guess undone: the order holds no row again, so its next lookup searches afresh. */
  private async forget(orderId: string, venueOrderId: string): Promise<void> {
    const placed = await this.orders.load(orderId);
    if (placed?.ack.venueOrderId !== venueOrderId) return;
    await this.orders.save({ ...placed, ack: { ...placed.ack, venueOrderId: null } });
  }

  /**
   * An order sent whose answer never came, among the day's orders that are
   * what we sent (symbol, side, division, quantity, price), ordered no
   * earlier than we sent it, and held by no other JTS order. Other identical
   * orders of ours still unanswered contend for the same rows: while there
   * are fewer rows than contenders, which row is whose cannot be told, and
   * the lookup throws (still unknown: the OMS asks again) rather than
   * choose; once the rows are as many, the contenders take them in the
   * order they were sent. Every match is logged at warn with both ids: it
   * may be a manual order placed in KIS's own app.
   */
  private async findSent(orderId: string): Promise<VenueOrder | null> {
    const raw = await this.cache.get(this.sentKey(orderId));
    if (!raw) return null;
    const { order, day, sentAtMs } = JSON.parse(raw) as SentOrder;
    const rows = await this.dailyOrders(day, { symbol: order.symbol });
    const division = orderDivision(order);
    const price = order.type === "MARKET" ? "0" : (order.price ?? "0");
    const candidates: DailyOrderRow[] = [];
    for (const row of rows.sort((a, b) => a.ord_tmd.localeCompare(b.ord_tmd) || a.odno.localeCompare(b.odno))) {
      const same =
        !row.orgn_odno &&
        row.pdno === order.symbol &&
        parseSide(row.sll_buy_dvsn_cd) === order.side &&
        row.ord_dvsn_cd === division &&
        toFixed(kisDecimal(row.ord_qty)) === toFixed(order.quantity) &&
        toFixed(kisDecimal(row.ord_unpr)) === toFixed(price) &&
        kstToEpochMs(row.ord_dt, row.ord_tmd) >= sentAtMs - ORDER_TIME_SLACK_MS;
      if (same && (await this.cache.get(this.venueKey(day, row.odno))) === null) candidates.push(row);
    }
    if (candidates.length === 0) return null;
    const contenders = await this.unansweredLike(order, day, candidates);
    const rank = contenders.findIndex((c) => c.order.id === orderId);
    if (contenders.length > candidates.length || rank < 0)
      throw new VenueError(
        "kis",
        "unavailable",
        `${candidates.length} KIS row(s) match ${contenders.length} unanswered identical orders: still unknown`,
      );
    const row = candidates[rank] as DailyOrderRow;
    if (!(await this.remember(order, row.odno, row.ord_gno_brno, day, "lookup")))
      throw new VenueError("kis", "unavailable", `KIS row ${row.odno} was claimed meanwhile: still unknown`);
    this.logger.warn(
      "a KIS order whose place answer was lost was matched to a row by what it was (check for a manual order)",
      {
        orderId,
        venueOrderId: row.odno,
        contenders: contenders.map((c) => c.order.id),
      },
    );
    return this.venueOrder(row, day);
  }

  /**
   * Our orders identical to `order` sent that day whose place answer never
   * came (no row remembered yet) and which some candidate row could be
   * (sent no later than the row, with the slack): the lookup's contenders, in
   * the order they were sent.
   */
  private async unansweredLike(order: Order, day: string, candidates: DailyOrderRow[]): Promise<SentOrder[]> {
    const like = this.likeKey(day, order);
    const count = Number((await this.cache.get(like)) ?? "0");
    const latestRow = Math.max(...candidates.map((r) => kstToEpochMs(r.ord_dt, r.ord_tmd)));
    const contenders: SentOrder[] = [];
    for (let slot = 1; slot <= count; slot++) {
      const id = await this.cache.get(`${like}:${slot}`);
      const raw = id ? await this.cache.get(this.sentKey(id)) : null;
      if (!id || !raw) continue;
      const sent = JSON.parse(raw) as SentOrder;
      if (sent.sentAtMs - ORDER_TIME_SLACK_MS > latestRow) continue;
      if ((await this.orders.load(id))?.ack.venueOrderId) continue;
      contenders.push(sent);
    }
    return contenders.sort((a, b) => a.sentAtMs - b.sentAtMs || a.order.id.localeCompare(b.order.id));
  }

  async cancel(command: CancelOrderCommand): Promise<BrokerAck> {
    const now = nowNsString();
    // An order whose place answer was lost is found first: a cancel of it must still reach KIS.
    const known = await this.orders.load(command.orderId);
    const placed = known?.ack.venueOrderId
      ? known
      : (await this.findSent(command.orderId))
        ? await this.orders.load(command.orderId)
        : null;
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
    const rowsByOrder = new Map<string, DailyOrderRow[]>();
    for (const row of await this.dailyOrders(day)) {
      // Cancel rows carry no fills; a 정정's row is found by its odno like the original's.
      if (isCancelRow(row)) continue;
      const orderId = await this.cache.get(this.venueKey(day, row.odno));
      if (orderId) rowsByOrder.set(orderId, [...(rowsByOrder.get(orderId) ?? []), row]);
    }
    const reports: ExecutionReport[] = [];
    for (const [orderId, rows] of rowsByOrder) {
      const placed = await this.orders.load(orderId);
      if (!placed || placed.done) continue;
      const changes = inWorkedOrder(placed, rows).flatMap((row) => this.changes(placed, row));
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
    // A row another JTS order holds (a lookup's guess that KIS's place reply took back) is not this order's:
    // answering it would let reconciliation book that order's fills here too.
    if (query.orderId && order.orderId !== null && order.orderId !== query.orderId)
      return placed?.ack.venueOrderId ? null : this.findSent(query.orderId);
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
      const totalFilled = toFixed(placed.filled) + quantity;
      reports.push(
        orderReport("kis", placed.order, "FILL", null, {
          fillId: `${row.odno}-${fromFixed(filledNow)}`,
          price: fromFixed(price),
          quantity: fromFixed(quantity),
          // KIS reports commission and tax on settlement, not per execution.
          fee: "0",
          feeCurrency: "KRW",
          liquidity: placed.order.type === "MARKET" ? "TAKER" : "MAKER",
          // The JTS order's total over all its rows, not this row's tot_ccld_qty: after a 정정 the order
          // is one order to the OMS, and its reconciliation compares against that total (acrossRows).
          cumulativeQuantity: fromFixed(totalFilled),
        }),
      );
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

  /** Counts (and, under `:<n>`, names) the day's orders sent with this symbol, side, division, quantity and price. */
  private likeKey(day: string, order: Order): string {
    const price = order.type === "MARKET" ? "0" : (order.price ?? "0");
    const what = [order.symbol, order.side, orderDivision(order), toFixed(order.quantity), toFixed(price)].join(":");
    return `kis:sent-like:${this.settings.env}:${day}:${what}`;
  }

  private venueKey(day: string, venueOrderId: string): string {
    return `kis:venue-order:${this.settings.env}:${day}:${venueOrderId}`;
  }
}

/**
 * An order's rows in the order KIS worked them: the rows a 정정 moved it off
 * first (in the order it left them), its current row last. Their fills
 * happened in that order (a late fill on an earlier row was in flight before
 * the 정정 took effect), so each fill's cumulative quantity is the order's
 * total when it happened, and a current row that ends the order cannot hide
 * a late fill on an earlier one (KIS lists the day's orders newest first).
 */
function inWorkedOrder(placed: PlacedOrder, rows: DailyOrderRow[]): DailyOrderRow[] {
  const worked = [...Object.keys(placed.superseded ?? {}), placed.ack.venueOrderId];
  const rank = (row: DailyOrderRow) => {
    const index = worked.indexOf(row.odno);
    return index < 0 ? worked.length : index;
  };
  return [...rows].sort((a, b) => rank(a) - rank(b));
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

export interface KisConnectorOptions {
  lock: Lock;
  settings: KisSettings;
  broker: KisBroker;
  /** A fresh WebSocket approval key for each connection (POST /oauth2/Approval). */
  approvalKey: () => Promise<string>;
  /** Symbols whose trades are streamed as ticks. */
  symbols: readonly string[];
  /** How often the day's orders are read for fills and cancels; default 2 s live, 5 s paper. */
  pollMs?: number;
  reconnectMinMs?: number;
  logger: Logger;
}

/**
 * `KisBroker` as the kit's `VenueConnector`, with its feeds: every replica
 * serves rpc; only the leader holds the real-time socket (KIS allows one
 * session per app key) and polls the day's orders, so no tick or fill is
 * published twice.
 */
export function kisConnector(options: KisConnectorOptions) {
  const { settings, broker, logger } = options;
  let sink: VenueSink | null = null;
  const report = (reports: ExecutionReport[]) => {
    for (const item of reports) sink?.report(item);
  };
  const stream = new KisStream({
    url: settings.wsUrl,
    approvalKey: options.approvalKey,
    onTicks: (ticks) => {
      for (const tick of ticks) sink?.tick(tick);
    },
    logger,
    reconnectMinMs: options.reconnectMinMs,
  });
  const symbols = options.symbols;
  let poller: ReturnType<typeof setInterval> | null = null;
  let polling = false;
  let leadership: Leadership | null = null;
  const isLeader = () => leadership !== null && leadership.token !== null;

  const poll = async () => {
    if (polling || !isLeader()) return;
    polling = true;
    try {
      report(await broker.poll());
    } catch (error) {
      logger.warn("KIS order poll failed", { error });
    } finally {
      polling = false;
    }
  };

  const connector = orderClientConnector(KIS_VENUE, broker, {
    async start(venueSink) {
      sink = venueSink;
      for (const symbol of symbols) stream.subscribe(symbol);
      leadership = await holdLeadership(
        options.lock,
        `broker-kis:${settings.env}:${credentialTag(settings.appKey)}`,
        `${hostname()}-${process.pid}-${newId()}`,
        {
          ttlMs: 10_000,
          onAcquired: () => {
            logger.info("leading: streaming and polling");
            if (symbols.length > 0) stream.start();
          },
          onLost: () => {
            logger.info("no longer leading: stream closed");
            stream.stop();
          },
          onError: (error) => logger.warn("KIS leadership", { error }),
        },
      );
      // Paper allows 2 requests/s in all: poll less often there.
      poller = setInterval(() => void poll(), options.pollMs ?? (settings.env === "paper" ? 5000 : 2000));
    },
    async stop() {
      if (poller) clearInterval(poller);
      await leadership?.stop();
      stream.stop();
    },
  });

  return { connector, stream, poll, isLeader };
}
