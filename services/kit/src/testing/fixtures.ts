import { type ExecutionReport, type Fill, type Order, orderReport } from "@jts/contracts";

/** A NEW MARKET buy of 10 x 005930 on the sim venue; tests override what they exercise. */
export function orderFixture(overrides: Partial<Order> = {}): Order {
  return {
    id: "o1",
    clientOrderId: "c1",
    account: "acc",
    venue: "sim",
    symbol: "005930",
    side: "BUY",
    type: "MARKET",
    timeInForce: "IOC",
    quantity: "10",
    price: null,
    stopPrice: null,
    filledQuantity: "0",
    averagePrice: null,
    status: "NEW",
    rejectReason: null,
    strategyId: null,
    venueOrderId: null,
    createdAt: "1",
    updatedAt: "1",
    ...overrides,
  };
}

/** A taker buy of 10 x 005930 @ 70000 on the sim venue, no fee; tests override what they exercise. */
export function fillFixture(overrides: Partial<Fill> = {}): Fill {
  return {
    id: "f1",
    orderId: "o0",
    clientOrderId: "c0",
    account: "acc",
    venue: "sim",
    symbol: "005930",
    side: "BUY",
    price: "70000",
    quantity: "10",
    fee: "0",
    feeCurrency: "KRW",
    liquidity: "TAKER",
    strategyId: null,
    tsEvent: "1",
    ...overrides,
  };
}

/** The fill part of an execution report: a taker fill of 10 @ 70000, no fee. */
export function reportFillFixture(overrides: Partial<NonNullable<ExecutionReport["fill"]>> = {}) {
  return {
    fillId: "f1",
    price: "70000",
    quantity: "10",
    fee: "0",
    feeCurrency: "KRW",
    liquidity: "TAKER",
    ...overrides,
  } satisfies NonNullable<ExecutionReport["fill"]>;
}

/** What the venue says of `order`: `kind`, with `fill` for a FILL; tests override the rest. */
export function executionReportFixture(
  order: Pick<Order, "id" | "account" | "venue" | "symbol" | "side">,
  kind: ExecutionReport["kind"],
  fill: ExecutionReport["fill"] = null,
  overrides: Partial<ExecutionReport> = {},
): ExecutionReport {
  return { ...orderReport(order, kind, { fill, tsEvent: "2" }), ...overrides };
}
