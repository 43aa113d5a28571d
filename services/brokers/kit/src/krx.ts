import type { Order } from "@jts/contracts";

/**
 * Why a KRX cash order cannot be sent as it is, or null: the broker's own
 * account only, no stop orders (KIS and Creon cash orders have none), whole
 * shares and whole won. KIS and Creon both ask before anything is sent; the
 * price's tick band is the contracts' `KRX_STOCK_TICKS`, which the OMS and
 * risk check before an order reaches a broker.
 */
export function krxCashOrderProblem(order: Order, broker: { name: string; account: string }): string | null {
  if (order.account !== broker.account)
    return `${broker.name} broker trades account ${broker.account}, not ${order.account}`;
  if (order.type === "STOP_MARKET" || order.type === "STOP_LIMIT")
    return `${order.type} is not offered by ${broker.name} cash orders`;
  if (order.type === "LIMIT" && !order.price) return "a LIMIT order needs a price";
  if (!/^\d+$/.test(order.quantity)) return "KRX stocks trade in whole shares";
  if (order.price !== null && !/^\d+$/.test(order.price)) return "KRX prices are whole won";
  return null;
}
