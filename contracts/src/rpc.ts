import { type Static, type TSchema, Type as t } from "@sinclair/typebox";
import {
  AmendOrderRequest,
  type BrokerOp,
  BrokerRpc,
  CancelAllReply,
  CancelAllRequest,
  FillsQuery,
  OrderIdRequest,
  OrderQuery,
} from "./execution.ts";
import { Candle, CandleQuery, Instrument, LastPrice } from "./market.ts";
import {
  NotificationRuleSet,
  NotificationRulesQuery,
  NotificationRuleView,
  PushSubscribe,
  PushUnsubscribe,
  PushVapidKey,
  TelegramLinkCode,
  TelegramLinkRequest,
  TelegramUnlinkReply,
  TelegramUnlinkRequest,
  UserStateQuery,
  UserStateReply,
} from "./notifications.ts";
import { AccountsQuery, AppliedFills, AppliedFillsQuery, ArmRequest, DisarmRequest, EquityQuery } from "./portfolio.ts";
import {
  RiskCheckRequest,
  RiskLimitsQuery,
  RiskLimitsView,
  SetRiskLimitsRequest,
  SetRiskStateRequest,
} from "./risk.ts";
import { type BrokerSubject, Subjects } from "./topics.ts";
import {
  Account,
  Alert,
  AlertQuery,
  EquitySnapshot,
  Fill,
  Order,
  OrderRequest,
  Position,
  RiskDecision,
  RiskStatus,
  StrategyCreate,
  StrategyIdRequest,
  StrategyKindInfo,
  StrategyParamsUpdate,
  StrategyStatus,
} from "./trading.ts";

/** A subject that takes no fields; callers may leave the payload out (the client sends `{}`). */
export const NoRequest = t.Object({});

/**
 * What each rpc subject takes and answers. Servers check requests on arrival
 * against `request`; clients check replies against `reply` before trusting
 * them, so a service speaking an older contract fails loudly at the boundary
 * instead of deep in a caller. The kit's `rpcClient().call` and `serve` derive
 * their types from this table, so a wrong payload is a compile error.
 */
export const RpcContracts = {
  [Subjects.instruments]: { request: NoRequest, reply: t.Array(Instrument) },
  [Subjects.prices]: { request: NoRequest, reply: t.Array(LastPrice) },
  [Subjects.candles]: { request: CandleQuery, reply: t.Array(Candle) },
  [Subjects.orderSubmit]: { request: OrderRequest, reply: t.Object({ order: Order, created: t.Boolean() }) },
  [Subjects.orderCancel]: { request: OrderIdRequest, reply: Order },
  [Subjects.orderCancelAll]: { request: CancelAllRequest, reply: CancelAllReply },
  [Subjects.orderAmend]: { request: AmendOrderRequest, reply: Order },
  [Subjects.orderGet]: { request: OrderIdRequest, reply: Order },
  [Subjects.orderList]: { request: OrderQuery, reply: t.Array(Order) },
  [Subjects.fillList]: { request: FillsQuery, reply: t.Array(Fill) },
  [Subjects.riskCheck]: { request: RiskCheckRequest, reply: RiskDecision },
  [Subjects.riskStatus]: { request: NoRequest, reply: RiskStatus },
  [Subjects.riskSetState]: { request: SetRiskStateRequest, reply: RiskStatus },
  [Subjects.riskSetLimits]: { request: SetRiskLimitsRequest, reply: RiskStatus },
  // The limits object is the risk service's to shape; callers here only ask whether it is set.
  [Subjects.riskLimitsGet]: { request: RiskLimitsQuery, reply: RiskLimitsView },
  [Subjects.positions]: { request: AccountsQuery, reply: t.Array(Position) },
  [Subjects.accounts]: { request: AccountsQuery, reply: t.Array(Account) },
  [Subjects.appliedFills]: { request: AppliedFillsQuery, reply: AppliedFills },
  [Subjects.accountArm]: { request: ArmRequest, reply: Account },
  [Subjects.accountDisarm]: { request: DisarmRequest, reply: Account },
  [Subjects.equity]: { request: EquityQuery, reply: t.Array(EquitySnapshot) },
  [Subjects.strategyList]: { request: NoRequest, reply: t.Array(StrategyStatus) },
  [Subjects.strategyStart]: { request: StrategyIdRequest, reply: StrategyStatus },
  [Subjects.strategyStop]: { request: StrategyIdRequest, reply: StrategyStatus },
  [Subjects.strategyCreate]: { request: StrategyCreate, reply: StrategyStatus },
  [Subjects.strategySetParams]: { request: StrategyParamsUpdate, reply: StrategyStatus },
  [Subjects.strategyKinds]: { request: NoRequest, reply: t.Array(StrategyKindInfo) },
  [Subjects.alertList]: { request: AlertQuery, reply: t.Array(Alert) },
  [Subjects.notificationRulesGet]: { request: NotificationRulesQuery, reply: NotificationRuleView },
  [Subjects.notificationRulesSet]: { request: NotificationRuleSet, reply: NotificationRuleView },
  [Subjects.telegramLinkCode]: { request: TelegramLinkRequest, reply: TelegramLinkCode },
  [Subjects.telegramUnlink]: { request: TelegramUnlinkRequest, reply: TelegramUnlinkReply },
  [Subjects.userState]: { request: UserStateQuery, reply: UserStateReply },
  [Subjects.pushVapidKey]: { request: NoRequest, reply: PushVapidKey },
  [Subjects.pushSubscribe]: { request: PushSubscribe, reply: t.Object({ endpoint: t.String(), created: t.Boolean() }) },
  [Subjects.pushUnsubscribe]: { request: PushUnsubscribe, reply: t.Object({ removed: t.Boolean() }) },
} as const;

type NamedSubject = keyof typeof RpcContracts;
/** Every rpc subject: a named one, or a broker's (`broker.<name>.<op>`). */
export type RpcSubject = NamedSubject | BrokerSubject;

/** The op of a broker subject (the mapped form keeps `broker.${string}.place` apart from the others). */
type BrokerOpOf<S> = { [Op in BrokerOp]: S extends BrokerSubject<Op> ? Op : never }[BrokerOp];

/** The request and reply schemas of `S`. */
export type RpcContractOf<S extends RpcSubject> = S extends NamedSubject
  ? (typeof RpcContracts)[S]
  : (typeof BrokerRpc)[BrokerOpOf<S>];
export type RpcRequest<S extends RpcSubject> = Static<RpcContractOf<S>["request"]>;
export type RpcReply<S extends RpcSubject> = Static<RpcContractOf<S>["reply"]>;

/** The schemas of a subject at run time; undefined for a subject no contract names. */
export function rpcContract(subject: string): { request: TSchema; reply: TSchema } | undefined {
  if (Object.hasOwn(RpcContracts, subject)) return RpcContracts[subject as NamedSubject];
  if (!subject.startsWith("broker.")) return undefined;
  const op = subject.slice(subject.lastIndexOf(".") + 1);
  return Object.hasOwn(BrokerRpc, op) ? BrokerRpc[op as BrokerOp] : undefined;
}

/** The reply schema of each named subject (the gateway's routes declare them as their responses). */
export const RpcReplies = Object.fromEntries(
  Object.entries(RpcContracts).map(([subject, contract]) => [subject, contract.reply]),
) as { [S in NamedSubject]: (typeof RpcContracts)[S]["reply"] };
