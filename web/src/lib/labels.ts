/**
 * Words for the platform's codes (order status, side, type, time in force,
 * trading state, alert severity, risk rule) in the trader's language. Codes
 * the dictionary does not know (a newer server) are shown as they are.
 */
import type { AlertSeverity, OrderStatus, OrderType, Side, TimeInForce, TradingState } from "@jts/contracts";
import { hasMessage, t } from "./i18n.ts";

const labelOf = (prefix: string, code: string) => {
  const key = `${prefix}.${code}`;
  return hasMessage(key) ? t(key) : code;
};

export const statusLabel = (status: OrderStatus) => labelOf("status", status);
export const sideLabel = (side: Side) => labelOf("side", side);
export const orderTypeLabel = (type: OrderType) => labelOf("orderType", type);
export const timeInForceLabel = (tif: TimeInForce) => labelOf("tif", tif);
export const tradingStateLabel = (state: TradingState) => labelOf("risk.state", state);
export const severityLabel = (severity: AlertSeverity) => labelOf("severity", severity);
export const ruleLabel = (rule: string) => labelOf("risk.rule", rule);

/** A refusal reason as the OMS writes it (`risk: [RULE] reason`): the rule code when it names one. */
const RULE_IN_REASON = /^risk: \[([A-Z_]+)\] /;

/** The risk rule a refusal reason names, or null (the reason itself is always shown verbatim). */
export function ruleOfReason(reason: string | null | undefined): string | null {
  return reason ? (RULE_IN_REASON.exec(reason)?.[1] ?? null) : null;
}
