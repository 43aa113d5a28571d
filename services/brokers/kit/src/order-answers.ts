import { type BrokerAck, type ExecutionReport, nowNsString, type Order } from "@jts/contracts";
import type { Placement } from "./placed-orders.ts";

/** A broker's ack: accepted when there is no reason to refuse. */
export function brokerAck(
  orderId: string,
  venueOrderId: string | null,
  reason: string | null,
  tsEvent: string = nowNsString(),
): BrokerAck {
  return {
    orderId,
    accepted: reason === null,
    outcome: reason === null ? "ACCEPTED" : "REFUSED",
    venueOrderId,
    reason,
    tsEvent,
  };
}

/**
 * A place whose fate the broker cannot tell: its call to the venue failed or
 * timed out, and the venue may have the order. Not a refusal: the OMS keeps
 * the order OUTCOME_UNKNOWN and looks it up by client order id.
 */
export function unknownOutcomeAck(orderId: string, reason: string): BrokerAck {
  return { orderId, accepted: false, outcome: "UNKNOWN", venueOrderId: null, reason, tsEvent: nowNsString() };
}

/** A place the broker or its venue refused: nothing reached the book, so nothing to report. */
export function refusedPlacement(orderId: string, reason: string): Placement {
  return { ack: brokerAck(orderId, null, reason), reports: [] };
}

/** An execution report on an order JTS placed, stamped now; `venue` is the broker's own. */
export function orderReport(
  venue: ExecutionReport["venue"],
  order: Order,
  kind: ExecutionReport["kind"],
  reason: string | null,
  fill: ExecutionReport["fill"],
): ExecutionReport {
  return {
    orderId: order.id,
    account: order.account,
    venue,
    symbol: order.symbol,
    side: order.side,
    kind,
    fill,
    reason,
    tsEvent: nowNsString(),
  };
}
