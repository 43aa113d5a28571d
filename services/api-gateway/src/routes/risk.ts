import {
  Id,
  RiskLimitsPatch,
  type RiskLimitsView,
  type RiskStatus,
  RpcReplies,
  Subjects,
  SymbolCode,
  TradingState,
} from "@jts/contracts";
import { notFound, type RpcClient } from "@jts/kit";
import { Elysia, t } from "elysia";
import { type AccountsOf, checkAccountAccess, forbidden } from "../auth/access.ts";
import type { AuthUser } from "../auth/users.ts";
import type { RouteContext } from "./context.ts";

export const RiskStateBody = t.Object({
  state: TradingState,
  /** Absent or null: the whole platform. */
  account: t.Optional(t.Union([Id, t.Null()])),
  reason: t.Optional(t.String({ maxLength: 200 })),
  /** HALTED only: the OMS cancels every open order in scope. */
  cancelOpenOrders: t.Optional(t.Boolean()),
});
export type RiskStateBody = typeof RiskStateBody.static;

export const RiskLimitsBody = t.Object({
  account: t.Optional(Id),
  symbol: t.Optional(SymbolCode),
  limits: RiskLimitsPatch,
  /** Removes the override of this scope (account and/or symbol). */
  clear: t.Optional(t.Boolean()),
});
export type RiskLimitsBody = typeof RiskLimitsBody.static;

export const RiskLimitsQueryString = t.Object({ account: t.Optional(Id) });

/** The risk status as a user may see it: the platform, and of the accounts only their own (all for null: admin). */
export function riskStatusFor(status: RiskStatus, accounts: readonly string[] | null | undefined): RiskStatus {
  if (!accounts || !status.accounts) return status;
  return { ...status, accounts: status.accounts.filter((a) => accounts.includes(a.account)) };
}

/**
 * The risk rules. Viewers read; whoever may trade an account may pull its kill
 * switch (HALTED); the platform-wide switch, resuming trading, REDUCING and
 * limits are an admin's. Non-admins see their own accounts only.
 */
export function riskRules(call: RpcClient["call"], accountsOf: AccountsOf) {
  const ownOnly = async (user: AuthUser, status: RiskStatus): Promise<RiskStatus> => {
    if (!status.accounts?.length) return status;
    return riskStatusFor(status, await accountsOf(user));
  };

  return {
    async status(user: AuthUser): Promise<RiskStatus> {
      return ownOnly(user, await call(Subjects.riskStatus));
    },

    async setState(user: AuthUser, body: RiskStateBody): Promise<RiskStatus> {
      if (body.state !== "HALTED" && user.role !== "admin") throw forbidden("only an admin can resume trading");
      if (!body.account && user.role !== "admin")
        // Platform scope with cancelOpenOrders would cancel every user's orders: a trader names their account.
        throw forbidden("only an admin halts the whole platform; name your account to halt it");
      if (body.account) checkAccountAccess(await accountsOf(user), body.account);
      // The user travels in the rpc envelope: the risk service audits it as the actor.
      const status = await call(
        Subjects.riskSetState,
        {
          state: body.state,
          account: body.account ?? null,
          reason: body.reason ?? "set from the API",
          cancelOpenOrders: body.cancelOpenOrders ?? false,
        },
        { actor: user.username },
      );
      return ownOnly(user, status);
    },

    async limits(user: AuthUser, account: string | undefined): Promise<RiskLimitsView> {
      if (account) checkAccountAccess(await accountsOf(user), account);
      return call(Subjects.riskLimitsGet, account ? { account } : {});
    },

    async setLimits(user: AuthUser, body: RiskLimitsBody): Promise<RiskStatus> {
      // Limits for a mistyped account would look set and protect nothing; clearing stays open for stale overrides.
      if (body.account && !body.clear && (await call(Subjects.accounts, { accounts: [body.account] })).length === 0)
        throw notFound(`account ${body.account}`);
      return call(Subjects.riskSetLimits, body, { actor: user.username });
    },
  };
}

/** /api/risk: everyone reads (their own accounts); the kill switch takes a trader, limits an admin. */
export function riskRoutes({ auth, call, accountsOf }: RouteContext) {
  const risk = riskRules(call, accountsOf);
  return new Elysia({ prefix: "/api/risk" })
    .use(auth)
    .get("", ({ user }) => risk.status(user), { auth: true, response: RpcReplies[Subjects.riskStatus] })
    .put("/state", ({ user, body }) => risk.setState(user, body), {
      role: { min: "trader", refusal: "viewers cannot change the trading state" },
      audit: "risk.set-state",
      body: RiskStateBody,
      response: RpcReplies[Subjects.riskSetState],
    })
    .get("/limits", ({ user, query }) => risk.limits(user, query.account), {
      auth: true,
      query: RiskLimitsQueryString,
      response: RpcReplies[Subjects.riskLimitsGet],
    })
    .put("/limits", ({ user, body }) => risk.setLimits(user, body), {
      role: { min: "admin", refusal: "only an admin changes risk limits" },
      audit: "risk.set-limits",
      body: RiskLimitsBody,
      response: RpcReplies[Subjects.riskSetLimits],
    });
}
