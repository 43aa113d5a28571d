import type { OrderStatus } from "@jts/contracts";
import { AppError } from "@jts/kit";

/**
 * The legal order transitions. Terminal states have none. A fill on a NEW
 * order is legal: a fast venue's fill can overtake its own acknowledgement.
 * OUTCOME_UNKNOWN (sent, no answer) is left for whatever the venue says the
 * order is; it never goes back to NEW.
 */
const TRANSITIONS: Record<OrderStatus, readonly OrderStatus[]> = {
  NEW: ["OUTCOME_UNKNOWN", "ACCEPTED", "REJECTED", "PARTIALLY_FILLED", "FILLED", "CANCELED", "EXPIRED"],
  OUTCOME_UNKNOWN: ["ACCEPTED", "PARTIALLY_FILLED", "FILLED", "REJECTED", "CANCELED", "EXPIRED"],
  ACCEPTED: ["PARTIALLY_FILLED", "FILLED", "CANCELED", "EXPIRED"],
  PARTIALLY_FILLED: ["PARTIALLY_FILLED", "FILLED", "CANCELED", "EXPIRED"],
  FILLED: [],
  CANCELED: [],
  REJECTED: [],
  EXPIRED: [],
};

/**
 * The one way out of a closed state, for reconciliation alone: an order JTS
 * closed without the venue's word (REJECTED when its lookup's grace period
 * ran out, CANCELED when the venue did not know it at reconciliation) that
 * the venue turns out to work after all (a request stuck in a queue placed
 * late). The venue is the truth, so the order reopens as the venue has it
 * and can be canceled, reserved by risk and filled like any working order.
 * Never taken by a report: the table above stays as strict as it is.
 */
const REOPENINGS: Partial<Record<OrderStatus, readonly OrderStatus[]>> = {
  REJECTED: ["ACCEPTED", "PARTIALLY_FILLED"],
  CANCELED: ["ACCEPTED", "PARTIALLY_FILLED"],
};

export function canReopen(from: OrderStatus, to: OrderStatus): boolean {
  return REOPENINGS[from]?.includes(to) ?? false;
}

export const isTerminal = (status: OrderStatus) => TRANSITIONS[status].length === 0;

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(from: OrderStatus, to: OrderStatus): void {
  if (!canTransition(from, to)) throw new AppError("CONFLICT", `illegal order transition ${from} -> ${to}`);
}

/** Orders a venue has or may have: what risk reserves for and cancel-all sends a cancel for. */
export const WORKING_STATUSES = ["OUTCOME_UNKNOWN", "ACCEPTED", "PARTIALLY_FILLED"] as const satisfies OrderStatus[];

/**
 * The status an order gets from a fill that took it to `filled` of
 * `quantity`, and whether its old status had to be corrected to get there:
 * a fill is a fact, so one on a REJECTED order (the venue had it after all)
 * or one completing a CANCELED/EXPIRED order overrides the state machine.
 * A partial fill on a CANCELED or EXPIRED order is normal (it came before
 * the cancel) and keeps the status.
 */
export function statusAfterFill(
  from: OrderStatus,
  filled: bigint,
  quantity: bigint,
): { status: OrderStatus; corrected: boolean } {
  const target: OrderStatus = filled >= quantity ? "FILLED" : "PARTIALLY_FILLED";
  if (canTransition(from, target)) return { status: target, corrected: false };
  if (from === "FILLED") return { status: from, corrected: false };
  if ((from === "CANCELED" || from === "EXPIRED") && target === "PARTIALLY_FILLED")
    return { status: from, corrected: false };
  return { status: target, corrected: true };
}
