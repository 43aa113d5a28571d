import { RpcReplies, Subjects } from "@jts/contracts";
import { Elysia, t } from "elysia";
import { checkAccountAccess } from "../auth/access.ts";
import { IdParams } from "../model.ts";
import type { RouteContext } from "./context.ts";

export const ArmBody = t.Object({
  /** The account id typed again. */
  confirm: t.String({ minLength: 1, maxLength: 64 }),
  reason: t.Optional(t.String({ maxLength: 200 })),
});

export const DisarmBody = t.Optional(t.Object({ reason: t.Optional(t.String({ maxLength: 200 })) }));

/**
 * /api/accounts: the accounts a user may see, and their live-trading switch.
 * Arming is an admin's; disarming is also open to a trader on their own
 * account, because stepping back to paper must never wait for someone else.
 * The portfolio enforces JTS_LIVE_TRADING, the confirmation and the risk
 * limits, and audits.
 */
export function accountRoutes({ auth, call, accountsOf }: RouteContext) {
  return new Elysia({ prefix: "/api/accounts" })
    .use(auth)
    .get("", async ({ user }) => call(Subjects.accounts, { accounts: await accountsOf(user) }), {
      auth: true,
      response: RpcReplies[Subjects.accounts],
    })
    .post(
      "/:id/arm",
      ({ user, params: { id: account }, body }) =>
        call(Subjects.accountArm, { account, confirm: body.confirm, reason: body.reason }, { actor: user.username }),
      {
        role: { min: "admin", refusal: "only an admin arms an account for live trading" },
        audit: "account.arm-request",
        params: IdParams,
        body: ArmBody,
        response: RpcReplies[Subjects.accountArm],
      },
    )
    .post(
      "/:id/disarm",
      async ({ user, params: { id: account }, body }) => {
        checkAccountAccess(await accountsOf(user), account);
        return call(Subjects.accountDisarm, { account, reason: body?.reason }, { actor: user.username });
      },
      {
        role: { min: "trader", refusal: "viewers cannot disarm accounts" },
        audit: "account.disarm-request",
        params: IdParams,
        body: DisarmBody,
        response: RpcReplies[Subjects.accountDisarm],
      },
    );
}
