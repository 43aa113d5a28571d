import {
  type AccountModeChange,
  type Alert,
  type Fill,
  type Fixed,
  fx,
  nowNsString,
  type Order,
  type Position,
  type TradingStateChange,
  type VenueStatus,
} from "@jts/contracts";
import { newId } from "@jts/kit";

/**
 * An alert and what makes it "the same" as another: notices with one key
 * within the suppression window are sent once. Keys carry the source's own id
 * (fill id, order id, event time) where every occurrence matters, and only
 * the subject (account and symbol, venue) where repeats are noise.
 */
export interface Notice {
  alert: Alert;
  key: string;
}

/** Turns platform events into alerts a trader should see. */
export function alertForOrder(order: Order): Notice | null {
  if (order.status !== "REJECTED") return null;
  return {
    key: `ORDER_REJECTED:${order.id}`,
    alert: {
      id: newId(),
      severity: "WARNING",
      kind: "ORDER_REJECTED",
      title: `${order.side} ${order.quantity} ${order.symbol} rejected`,
      message: order.rejectReason ?? "no reason given",
      account: order.account,
      tsEvent: order.updatedAt,
    },
  };
}

export function alertForFill(fill: Fill): Notice {
  return {
    key: `ORDER_FILLED:${fill.id}`,
    alert: {
      id: newId(),
      severity: "INFO",
      kind: "ORDER_FILLED",
      title: `${fill.side} ${fill.quantity} ${fill.symbol} @ ${fill.price}`,
      message: `fee ${fill.fee} ${fill.feeCurrency}${fill.strategyId ? `, strategy ${fill.strategyId}` : ""}`,
      account: fill.account,
      tsEvent: fill.tsEvent,
    },
  };
}

export function alertForTradingState(change: TradingStateChange): Notice {
  const scope = change.account ?? "platform";
  return {
    key: `TRADING_STATE:${scope}:${change.state}:${change.tsEvent}`,
    alert: {
      id: newId(),
      severity: change.state === "HALTED" ? "CRITICAL" : "WARNING",
      kind: "TRADING_STATE",
      title: change.account === null ? `Trading ${change.state}` : `Trading ${change.state} on ${change.account}`,
      message: `${change.previous} -> ${change.state} by ${change.changedBy}: ${change.reason}`,
      account: change.account,
      tsEvent: change.tsEvent,
    },
  };
}

/** Loss limits per currency, e.g. KRW 100000: a position whose total P&L is at or below minus that alerts. */
export type LossThresholds = ReadonlyMap<string, Fixed>;

/** A position's realized plus unrealized P&L past its currency's loss threshold; repeats per position are noise. */
export function alertForLoss(position: Position, thresholds: LossThresholds): Notice | null {
  const threshold = thresholds.get(position.currency);
  if (threshold === undefined) return null;
  const pnl = fx.toFixed(position.realizedPnl) + fx.toFixed(position.unrealizedPnl);
  if (pnl > -threshold) return null;
  return {
    key: `LOSS_THRESHOLD:${position.account}:${position.symbol}`,
    alert: {
      id: newId(),
      severity: "CRITICAL",
      kind: "LOSS_THRESHOLD",
      title: `${position.symbol} loss ${fx.fromFixed(pnl)} ${position.currency}`,
      message: `P&L of ${position.quantity} ${position.symbol} passed the ${fx.fromFixed(threshold)} ${position.currency} loss threshold (last price ${position.lastPrice ?? "none"})`,
      account: position.account,
      tsEvent: position.updatedAt,
    },
  };
}

/** A venue link going down; a flapping link alerts once per window. */
export function alertForVenue(status: VenueStatus): Notice | null {
  if (status.connected) return null;
  return {
    key: `VENUE_DISCONNECTED:${status.venue}`,
    alert: {
      id: newId(),
      severity: "CRITICAL",
      kind: "VENUE_DISCONNECTED",
      title: `Venue ${status.venue} disconnected`,
      message: status.reason || "no reason given",
      account: null,
      tsEvent: status.tsEvent,
    },
  };
}

export function alertForAccountMode(change: AccountModeChange): Notice {
  const live = change.mode === "LIVE";
  return {
    key: `ACCOUNT_MODE:${change.account}:${change.mode}:${change.tsEvent}`,
    alert: {
      id: newId(),
      severity: live ? "CRITICAL" : "WARNING",
      kind: "ACCOUNT_MODE",
      title: live ? `${change.account} armed for LIVE trading` : `${change.account} back on PAPER`,
      message: `${change.previous} -> ${change.mode} by ${change.changedBy}${change.reason ? `: ${change.reason}` : ""}`,
      account: change.account,
      tsEvent: change.tsEvent || nowNsString(),
    },
  };
}
