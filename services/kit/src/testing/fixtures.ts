import type { Order } from "@jts/contracts";

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
