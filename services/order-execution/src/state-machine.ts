import type { OrderStatus } from "@jts/contracts";
import { AppError } from "@jts/kit";

/**
 * The legal order transitions. Terminal states have none. A fill on a NEW
 * order is legal: a fast venue's fill can overtake its own acknowledgement.
 */
const TRANSITIONS: Record<OrderStatus, readonly OrderStatus[]> = {
  NEW: ["ACCEPTED", "REJECTED", "PARTIALLY_FILLED", "FILLED", "CANCELED", "EXPIRED"],
  ACCEPTED: ["PARTIALLY_FILLED", "FILLED", "CANCELED", "EXPIRED"],
  PARTIALLY_FILLED: ["PARTIALLY_FILLED", "FILLED", "CANCELED", "EXPIRED"],
  FILLED: [],
  CANCELED: [],
  REJECTED: [],
  EXPIRED: [],
};

export const isTerminal = (status: OrderStatus) => TRANSITIONS[status].length === 0;

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(from: OrderStatus, to: OrderStatus): void {
  if (!canTransition(from, to)) throw new AppError("CONFLICT", `illegal order transition ${from} -> ${to}`);
}
