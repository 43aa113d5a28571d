import { AmendFields, type CancelAllReply, Id, type Order, Subjects, SymbolCode } from "@jts/contracts";
import { AppError, type RpcClient } from "@jts/kit";
import { t } from "elysia";
import type { AuthUser } from "../auth/users.ts";

/** PATCH /api/orders/:id body: what may change; quantity is the new total. */
export { AmendFields };

/** POST /api/orders/cancel-all body: the account and/or symbol to cancel; everything the caller may touch when empty. */
export const CancelAllBody = t.Object(
  { account: t.Optional(Id), symbol: t.Optional(SymbolCode) },
  { additionalProperties: false },
);

export interface OrderActionDeps {
  call: RpcClient["call"];
  /** The account ids a user may touch; undefined means all (admin). */
  accountsOf(user: AuthUser): Promise<string[] | undefined>;
}

/**
 * The OMS routes beyond submit/list/get/cancel: cancel-all and cancel-replace.
 * Viewers cannot use them; a trader reaches only their own accounts (the OMS
 * gets the caller's accounts and stays inside them).
 */
export function orderActions({ call, accountsOf }: OrderActionDeps) {
  const scope = async (user: AuthUser, verb: string) => {
    if (user.role === "viewer") throw new AppError("FORBIDDEN", `viewers cannot ${verb} orders`);
    return accountsOf(user);
  };
  return {
    async cancelAll(user: AuthUser, body: { account?: string; symbol?: string }): Promise<CancelAllReply> {
      const accounts = await scope(user, "cancel");
      if (body.account !== undefined && accounts && !accounts.includes(body.account))
        throw new AppError("FORBIDDEN", `no access to account ${body.account}`);
      return call(Subjects.orderCancelAll, { ...body, ...(accounts ? { accounts } : {}) });
    },
    async amend(user: AuthUser, orderId: string, changes: AmendFields): Promise<Order> {
      const accounts = await scope(user, "amend");
      return call(Subjects.orderAmend, { orderId, changes, ...(accounts ? { accounts } : {}) });
    },
  };
}
