import {
  type StrategyCreate,
  type StrategyParams,
  StrategyParams as StrategyParamsSchema,
  type StrategyStatus,
  Subjects,
} from "@jts/contracts";
import { AppError, notFound, type RpcClient } from "@jts/kit";
import { t } from "elysia";
import type { AuthUser } from "../auth/users.ts";

export const StrategyParamsBody = t.Object({ params: StrategyParamsSchema }, { additionalProperties: false });

/**
 * The strategy routes' rules: viewers read; traders change strategies that
 * trade their own accounts; admins change any. Parameters are checked by the
 * strategy engine against the kind's schema, which answers 400 with reasons.
 */
export function strategyRoutes(call: RpcClient["call"], accountsOf: (user: AuthUser) => Promise<string[] | undefined>) {
  const forbidden = (message: string) => new AppError("FORBIDDEN", message);

  /**
   * The strategy this user may change. A trader gets one and the same 403 for
   * a strategy that does not exist and for one trading an account not theirs,
   * so the answer tells them neither which ids exist nor whose they are; an
   * admin (every account) gets 404 for a missing one.
   */
  const changeable = async (user: AuthUser, id: string, what: string): Promise<StrategyStatus> => {
    if (user.role === "viewer") throw forbidden(`viewers cannot ${what}`);
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
      await changeable(user, id, "start strategies");
      return call(Subjects.strategyStart, { id });
    },
    async stop(user: AuthUser, id: string) {
      await changeable(user, id, "stop strategies");
      return call(Subjects.strategyStop, { id });
    },
    async setParams(user: AuthUser, id: string, params: StrategyParams) {
      await changeable(user, id, "change strategy parameters");
      return call(Subjects.strategySetParams, { id, params });
    },
    async create(user: AuthUser, body: StrategyCreate) {
      if (user.role === "viewer") throw forbidden("viewers cannot create strategies");
      const accounts = await accountsOf(user);
      const account = body.account ?? accounts?.[0];
      if (accounts && (!account || !accounts.includes(account)))
        throw forbidden(`no access to account ${account ?? "(none)"}`);
      return call(Subjects.strategyCreate, { ...body, ...(account ? { account } : {}) });
    },
  };
}
