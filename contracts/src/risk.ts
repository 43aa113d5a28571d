import { type Static, Type as t } from "@sinclair/typebox";
import { Id, SymbolCode } from "./primitives.ts";
import { Order, RiskLimits, TradingState } from "./trading.ts";

/**
 * rpc risk.check (and POST /risk/check): the order as it would stand.
 * `replaces`: the id of the working order it replaces (an amend sent as
 * cancel-replace); risk leaves that order out of the working orders' cash,
 * exposure and reducing sums, for this check and, once approved, until the
 * OMS reports the replaced order ended. A native amend sends the order itself
 * under its own id and needs no `replaces`.
 */
export const RiskCheckRequest = t.Object({ order: Order, replaces: t.Optional(Id) });
export type RiskCheckRequest = Static<typeof RiskCheckRequest>;

/** Some limits: an override per account, per instrument, or per account and instrument. */
export const RiskLimitsPatch = t.Partial(RiskLimits);
export type RiskLimitsPatch = Static<typeof RiskLimitsPatch>;

/**
 * rpc risk.set-state: `account` absent or null switches the platform. Who
 * asked travels in the rpc envelope (RpcContext.actor), not in this body.
 */
export const SetRiskStateRequest = t.Object({
  state: TradingState,
  account: t.Optional(t.Union([Id, t.Null()])),
  reason: t.Optional(t.String({ maxLength: 200 })),
  /** Only with HALTED: ask the OMS to cancel every open order in scope. */
  cancelOpenOrders: t.Optional(t.Boolean()),
});
export type SetRiskStateRequest = Static<typeof SetRiskStateRequest>;

/**
 * rpc risk.set-limits: merges `limits` into the scope's limits (platform
 * defaults without account and symbol); `clear` removes the scope's override.
 * Refused: an empty `limits` without `clear` (400), clearing the account-level
 * override of a LIVE account (409).
 */
export const SetRiskLimitsRequest = t.Object({
  account: t.Optional(Id),
  symbol: t.Optional(SymbolCode),
  limits: RiskLimitsPatch,
  clear: t.Optional(t.Boolean()),
});
export type SetRiskLimitsRequest = Static<typeof SetRiskLimitsRequest>;

export const RiskLimitsQuery = t.Object({ account: t.Optional(Id) });
export type RiskLimitsQuery = Static<typeof RiskLimitsQuery>;

/**
 * rpc risk.limits.get: `limits` is the account's own account-level override,
 * null when none was set (instrument overrides do not count). Live arming
 * needs maxOrderNotional and maxPositionNotional in it.
 */
export const RiskLimitsView = t.Object({
  account: t.Union([Id, t.Null()]),
  limits: t.Union([RiskLimitsPatch, t.Null()]),
  /** What applies to the account's orders: defaults with its override. */
  effective: RiskLimits,
  /** Per-instrument overrides in this scope. */
  symbols: t.Array(t.Object({ symbol: SymbolCode, limits: RiskLimitsPatch })),
});
export type RiskLimitsView = Static<typeof RiskLimitsView>;
