import { type Static, Type as t } from "@sinclair/typebox";
import { CancelAllReply } from "./execution.ts";
import { Candle, Instrument, LastPrice } from "./market.ts";
import { NotificationRuleView, PushVapidKey } from "./notifications.ts";
import { RiskLimitsView } from "./risk.ts";
import { Subjects } from "./topics.ts";
import {
  Account,
  Alert,
  EquitySnapshot,
  Fill,
  Order,
  Position,
  RiskDecision,
  RiskStatus,
  StrategyKindInfo,
  StrategyStatus,
} from "./trading.ts";

/**
 * What each rpc subject answers. Servers check requests on arrival; clients
 * check replies against these before trusting them, so a service speaking an
 * older contract fails loudly at the boundary instead of deep in a caller.
 */
export const RpcReplies = {
  [Subjects.instruments]: t.Array(Instrument),
  [Subjects.prices]: t.Array(LastPrice),
  [Subjects.candles]: t.Array(Candle),
  [Subjects.orderSubmit]: t.Object({ order: Order, created: t.Boolean() }),
  [Subjects.orderCancel]: Order,
  [Subjects.orderCancelAll]: CancelAllReply,
  [Subjects.orderAmend]: Order,
  [Subjects.orderGet]: Order,
  [Subjects.orderList]: t.Array(Order),
  [Subjects.fillList]: t.Array(Fill),
  [Subjects.riskCheck]: RiskDecision,
  [Subjects.riskStatus]: RiskStatus,
  [Subjects.riskSetState]: RiskStatus,
  [Subjects.riskSetLimits]: RiskStatus,
  [Subjects.riskLimitsGet]: RiskLimitsView,
  [Subjects.positions]: t.Array(Position),
  [Subjects.accounts]: t.Array(Account),
  /** `complete` is false when more fills were applied since than the request's limit. */
  [Subjects.appliedFills]: t.Object({ fillIds: t.Array(t.String()), complete: t.Boolean() }),
  [Subjects.accountArm]: Account,
  [Subjects.accountDisarm]: Account,
  [Subjects.equity]: t.Array(EquitySnapshot),
  // The limits object is the risk service's to shape; callers here only ask whether it is set.
  [Subjects.strategyList]: t.Array(StrategyStatus),
  [Subjects.strategyStart]: StrategyStatus,
  [Subjects.strategyStop]: StrategyStatus,
  [Subjects.strategyCreate]: StrategyStatus,
  [Subjects.strategySetParams]: StrategyStatus,
  [Subjects.strategyKinds]: t.Array(StrategyKindInfo),
  [Subjects.alertList]: t.Array(Alert),
  [Subjects.notificationRulesGet]: NotificationRuleView,
  [Subjects.notificationRulesSet]: NotificationRuleView,
  [Subjects.pushVapidKey]: PushVapidKey,
  [Subjects.pushSubscribe]: t.Object({ endpoint: t.String(), created: t.Boolean() }),
  [Subjects.pushUnsubscribe]: t.Object({ removed: t.Boolean() }),
} as const;

export type RpcSubject = keyof typeof RpcReplies;
export type RpcReply<S extends RpcSubject> = Static<(typeof RpcReplies)[S]>;
