import {
  nowNsString,
  type Order,
  type OrderRequest,
  type RiskDecision,
  type TradingStateChange,
  type VenueOrder,
} from "@jts/contracts";
import { InstrumentCatalog } from "@jts/kit";
import { orderFixture, silentLogger } from "@jts/kit/testing";
import { OrderManager, type OrderManagerOptions } from "../manager.ts";
import type { OrderRepository } from "../repository.ts";

/** A MARKET BUY of 10 005930 (clientOrderId "c-1"), with `overrides`. */
export const marketRequest = (overrides: Partial<OrderRequest> = {}): OrderRequest => ({
  clientOrderId: "c-1",
  symbol: "005930",
  side: "BUY",
  type: "MARKET",
  quantity: "10",
  ...overrides,
});

/**
 * An order a crash left NEW a moment ago (orderFixture with `overrides`): young
 * enough to be sent when the OMS resumes. A fixture's createdAt "1" is decades
 * old, and an order that old is looked up, never sent (stale-new.test.ts).
 */
export const leftNewJustNow = (overrides: Partial<Order> = {}): Order => {
  const now = nowNsString();
  return orderFixture({ createdAt: now, updatedAt: now, ...overrides });
};

/** What a venue answers for `order`: working (ACCEPTED), nothing filled, with `overrides`. */
export const venueOrderOf = (order: Order, overrides: Partial<VenueOrder> = {}): VenueOrder => ({
  orderId: order.id,
  venueOrderId: `V-${order.id}`,
  account: order.account,
  venue: order.venue,
  symbol: order.symbol,
  side: order.side,
  type: order.type,
  status: "ACCEPTED",
  quantity: order.quantity,
  filledQuantity: "0",
  price: order.price,
  averagePrice: null,
  tsEvent: "5",
  ...overrides,
});

/** An operator's platform-wide HALT that cancels open orders, with `overrides`. */
export const haltChange = (overrides: Partial<TradingStateChange> = {}): TradingStateChange => ({
  account: null,
  state: "HALTED",
  previous: "ACTIVE",
  reason: "kill switch",
  changedBy: "admin",
  cancelOpenOrders: true,
  tsEvent: "1",
  ...overrides,
});

/** Risk's yes. */
export const APPROVE: RiskDecision = { approved: true, rule: null, reason: null, tsEvent: "1" };

/**
 * An OrderManager over `repository` and `rpc` (fakes of risk and the venues),
 * with the sim venue routed to the paper broker and orders on account "acc"
 * unless `options` say otherwise; it logs nothing.
 */
export function testOrderManager(
  repository: OrderRepository,
  rpc: ConstructorParameters<typeof OrderManager>[2],
  options: Partial<OrderManagerOptions> = {},
): OrderManager {
  return new OrderManager(repository, new InstrumentCatalog(), rpc, silentLogger, {
    routes: { sim: "paper" },
    defaultAccount: "acc",
    ...options,
  });
}
