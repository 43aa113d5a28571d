import { nowNsString, type Order, type OrderRequest, type RiskDecision } from "@jts/contracts";
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
