import {
  RpcReplies,
  StrategyCreate,
  type StrategyParams,
  StrategyParams as StrategyParamsSchema,
  type StrategyStatus,
  Subjects,
} from "@jts/contracts";
import { notFound, type RpcClient } from "@jts/kit";
import { Elysia, t } from "elysia";
import { type AccountsOf, forbidden } from "../auth/access.ts";
import type { AuthUser } from "../auth/users.ts";
import { IdParams } from "../model.ts";
import type { RouteContext } from "./context.ts";

export const StrategyParamsBody = t.Object({ params: StrategyParamsSchema }, { additionalProperties: false });

/**
 * The strategies' rules: traders change strategies that trade their own
 * accounts; admins change any (viewers never get here: the routes' `role`).
 * Parameters are checked by the strategy engine against the kind's schema,
 * which answers 400 with reasons.
 */
export function strategyRules(call: RpcClient["call"], accountsOf: AccountsOf) {
  /**
   * The strategy this user may change. A trader gets one and the same 403 for
   * a strategy that does not exist and for one trading an account not theirs,
   * so the answer tells them neither which ids exist nor whose they are; an
   * admin (every account) gets 404 for a missing one.
   */
  const changeable = async (user: AuthUser, id: string): Promise<StrategyStatus> => {
    const [all, accounts] = await Promise.all([call(Subjects.strategyList), accountsOf(user)]);
    const found = all.find((s) => s.config.id === id);
    if (!accounts) {
      if (!found) throw notFound(`strategy ${id}`);
      return found;
    }
    if (!found || !accounts.includes(found.config.account)) throw forbidden(`no strategy ${id} on your accounts`);
    return found;
  };

  return {
    /**
     * An order tagged with a strategy feeds that strategy its fills, so the tag
     * is the strategy's to use: it must name a strategy that trades the very
     * account the order goes to (which the caller was already checked to
     * reach). Otherwise 403, whoever asks: an admin's mistyped tag would
     * otherwise move someone else's strategy. One message whether the strategy
     * does not exist or trades another account, so a trader learns neither.
     * Answers the account the order goes to: the strategy's, also when an
     * admin named none.
     */
    async checkOrderTag(strategyId: string, account: string | undefined): Promise<string> {
      const found = (await call(Subjects.strategyList)).find((s) => s.config.id === strategyId);
      if (!found || (account !== undefined && found.config.account !== account))
        throw forbidden(`strategyId ${strategyId} may not tag this order: no strategy of that id trades its account`);
      return found.config.account;
    },
    /** Non-admins see the strategies of their own accounts only, like orders and risk states. */
    async list(user: AuthUser): Promise<StrategyStatus[]> {
      const [all, accounts] = await Promise.all([call(Subjects.strategyList), accountsOf(user)]);
      return accounts ? all.filter((s) => accounts.includes(s.config.account)) : all;
    },
    kinds: () => call(Subjects.strategyKinds),
    async start(user: AuthUser, id: string) {
      await changeable(user, id);
      return call(Subjects.strategyStart, { id });
    },
    async stop(user: AuthUser, id: string) {
      await changeable(user, id);
      return call(Subjects.strategyStop, { id });
    },
    async setParams(user: AuthUser, id: string, params: StrategyParams) {
      await changeable(user, id);
      return call(Subjects.strategySetParams, { id, params });
    },
    async create(user: AuthUser, body: StrategyCreate) {
      const accounts = await accountsOf(user);
      const account = body.account ?? accounts?.[0];
      if (accounts && (!account || !accounts.includes(account)))
        throw forbidden(`no access to account ${account ?? "(none)"}`);
      return call(Subjects.strategyCreate, { ...body, ...(account ? { account } : {}) });
    },
  };
}

/** /api/strategies: viewers read; creating, starting, stopping and re-parameterising take a trader. */
export function strategyRoutes({ auth, call, accountsOf }: RouteContext) {
  const strategies = strategyRules(call, accountsOf);
  return new Elysia({ prefix: "/api/strategies" })
    .use(auth)
    .get("", ({ user }) => strategies.list(user), { auth: true, response: RpcReplies[Subjects.strategyList] })
    .get("/kinds", () => strategies.kinds(), { auth: true, response: RpcReplies[Subjects.strategyKinds] })
    .post("", ({ user, body }) => strategies.create(user, body), {
      role: { min: "trader", refusal: "viewers cannot create strategies" },
      audit: "strategy.create",
      body: StrategyCreate,
      response: RpcReplies[Subjects.strategyCreate],
    })
    .post("/:id/start", ({ user, params }) => strategies.start(user, params.id), {
      role: { min: "trader", refusal: "viewers cannot start strategies" },
      audit: "strategy.start",
      params: IdParams,
      response: RpcReplies[Subjects.strategyStart],
    })
    .post("/:id/stop", ({ user, params }) => strategies.stop(user, params.id), {
      role: { min: "trader", refusal: "viewers cannot stop strategies" },
      audit: "strategy.stop",
      params: IdParams,
      response: RpcReplies[Subjects.strategyStop],
    })
    .put("/:id/params", ({ user, params, body }) => strategies.setParams(user, params.id, body.params), {
      role: { min: "trader", refusal: "viewers cannot change strategy parameters" },
      audit: "strategy.set-params",
      params: IdParams,
      body: StrategyParamsBody,
      response: RpcReplies[Subjects.strategySetParams],
    });
}
