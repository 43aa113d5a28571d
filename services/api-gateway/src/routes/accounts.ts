import { Nanos, Subjects } from "@jts/contracts";
import { AppError, type RpcClient } from "@jts/kit";
import { t } from "elysia";
import type { AuthUser } from "../auth/users.ts";

export const ArmBody = t.Object({
  /** The account id typed again. */
  confirm: t.String({ minLength: 1, maxLength: 64 }),
  reason: t.Optional(t.String({ maxLength: 200 })),
});

export const DisarmBody = t.Optional(t.Object({ reason: t.Optional(t.String({ maxLength: 200 })) }));

/** Query strings are text: `limit` is coerced here, then checked as an integer. */
export const EquityQuery = t.Object({
  account: t.Optional(t.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_.:-]+$" })),
  since: t.Optional(Nanos),
  limit: t.Optional(t.Numeric({ minimum: 1, maximum: 10_000 })),
});

export interface AccountRouteDeps {
  call: RpcClient["call"];
  /** The account ids a user may see; undefined means all (admin). */
  accountsOf(user: AuthUser): Promise<string[] | undefined>;
}

/**
 * The accounts' live-trading switch and equity history, for the gateway's
 * routes (service.ts registers them behind its JWT check). Arming is an
 * admin's; disarming is also open to a trader on their own account, because
 * stepping back to paper must never wait for someone else. The portfolio
 * enforces JTS_LIVE_TRADING, the confirmation and the risk limits, and audits.
 */
export function accountRoutes({ call, accountsOf }: AccountRouteDeps) {
  const forbidden = (message: string) => new AppError("FORBIDDEN", message);

  const ownAccount = async (user: AuthUser, account: string) => {
    const accounts = await accountsOf(user);
    if (accounts && !accounts.includes(account)) throw forbidden(`no access to account ${account}`);
  };

  return {
    arm(user: AuthUser, account: string, body: { confirm: string; reason?: string }) {
      if (user.role !== "admin") throw forbidden("only an admin arms an account for live trading");
      return call(
        Subjects.accountArm,
        { account, confirm: body.confirm, reason: body.reason },
        { actor: user.username },
      );
    },

    async disarm(user: AuthUser, account: string, body: { reason?: string } | null | undefined) {
      if (user.role === "viewer") throw forbidden("viewers cannot disarm accounts");
      await ownAccount(user, account);
      return call(Subjects.accountDisarm, { account, reason: body?.reason }, { actor: user.username });
    },

    async equity(user: AuthUser, query: { account?: string; since?: string; limit?: number }) {
      if (query.account) await ownAccount(user, query.account);
      const accounts = query.account ? [query.account] : await accountsOf(user);
      return call(Subjects.equity, { accounts, since: query.since, limit: query.limit });
    },
  };
}
