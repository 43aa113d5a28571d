import type { Alert, Fill, Order, TradingStateChange } from "@jts/contracts";
import { newId } from "@jts/kit";

/** Turns platform events into alerts a trader should see. */
export function alertForOrder(order: Order): Alert | null {
  if (order.status !== "REJECTED") return null;
  return {
    id: newId(),
    severity: "WARNING",
    kind: "ORDER_REJECTED",
    title: `${order.side} ${order.quantity} ${order.symbol} rejected`,
    message: order.rejectReason ?? "no reason given",
    account: order.account,
    tsEvent: order.updatedAt,
  };
}

export function alertForFill(fill: Fill): Alert {
  return {
    id: newId(),
    severity: "INFO",
    kind: "ORDER_FILLED",
    title: `${fill.side} ${fill.quantity} ${fill.symbol} @ ${fill.price}`,
    message: `fee ${fill.fee} ${fill.feeCurrency}${fill.strategyId ? `, strategy ${fill.strategyId}` : ""}`,
    account: fill.account,
    tsEvent: fill.tsEvent,
  };
}

export function alertForTradingState(change: TradingStateChange): Alert {
  return {
    id: newId(),
    severity: change.state === "HALTED" ? "CRITICAL" : "WARNING",
    kind: "TRADING_STATE",
    title: `Trading ${change.state}`,
    message: `${change.previous} -> ${change.state} by ${change.changedBy}: ${change.reason}`,
    account: null,
    tsEvent: change.tsEvent,
  };
}
