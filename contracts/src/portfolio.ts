import { type Static, Type as t } from "@sinclair/typebox";
import { Id, Nanos } from "./primitives.ts";

/** rpc portfolio.positions and portfolio.accounts: every account when neither is given. */
export const AccountsQuery = t.Object({
  accounts: t.Optional(t.Array(Id)),
  owner: t.Optional(t.String()),
  /**
   * Read the stored books, not the answering replica's in-memory read model: for a caller
   * that compares the answer with portfolio.applied-fills (risk at its start). The
   * gateway and the PWA's polls leave it out.
   */
  consistent: t.Optional(t.Boolean()),
});
export type AccountsQuery = Static<typeof AccountsQuery>;

/** rpc portfolio.equity-history (and the portfolio's GET /equity): stored snapshots. */
export const EquityQuery = t.Object({
  accounts: t.Optional(t.Array(Id)),
  since: t.Optional(Nanos),
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 10_000 })),
});
export type EquityQuery = Static<typeof EquityQuery>;

/** rpc portfolio.applied-fills: the ids of the fills applied since `since`. */
export const AppliedFillsQuery = t.Object({
  since: Nanos,
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 20_000 })),
});
export type AppliedFillsQuery = Static<typeof AppliedFillsQuery>;

/** `complete` is false when more fills were applied since than the request's limit. */
export const AppliedFills = t.Object({ fillIds: t.Array(t.String()), complete: t.Boolean() });
export type AppliedFills = Static<typeof AppliedFills>;

// Who asked comes from the rpc envelope (RpcContext.actor), never from these bodies.
/** rpc portfolio.account-arm: `confirm` must repeat the account id. */
export const ArmRequest = t.Object({ account: Id, confirm: t.String(), reason: t.Optional(t.String()) });
export type ArmRequest = Static<typeof ArmRequest>;

/** rpc portfolio.account-disarm. */
export const DisarmRequest = t.Object({ account: Id, reason: t.Optional(t.String()) });
export type DisarmRequest = Static<typeof DisarmRequest>;
