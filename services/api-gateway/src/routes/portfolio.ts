import { Nanos, RpcReplies, Subjects } from "@jts/contracts";
import { Elysia, t } from "elysia";
import { checkAccountAccess } from "../auth/access.ts";
import type { RouteContext } from "./context.ts";

/** Query strings are text: `limit` is coerced here, then checked as an integer. */
export const EquityQuery = t.Object({
  account: t.Optional(t.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_.:-]+$" })),
  since: t.Optional(Nanos),
  limit: t.Optional(t.Numeric({ minimum: 1, maximum: 10_000 })),
});

/**
 * What the accounts hold and did: positions, fills and equity history, read
 * by anyone logged in, of their own accounts only (an admin's: all). Under
 * `/api` because the paths predate the controllers.
 */
export function portfolioRoutes({ auth, call, accountsOf }: RouteContext) {
  return new Elysia({ prefix: "/api" })
    .use(auth)
    .get("/fills", async ({ user }) => call(Subjects.fillList, { accounts: await accountsOf(user) }), {
      auth: true,
      response: RpcReplies[Subjects.fillList],
    })
    .get("/positions", async ({ user }) => call(Subjects.positions, { accounts: await accountsOf(user) }), {
      auth: true,
      response: RpcReplies[Subjects.positions],
    })
    .get(
      "/portfolio/equity",
      async ({ user, query }) => {
        if (query.account) checkAccountAccess(await accountsOf(user), query.account);
        const accounts = query.account ? [query.account] : await accountsOf(user);
        return call(Subjects.equity, { accounts, since: query.since, limit: query.limit });
      },
      { auth: true, query: EquityQuery, response: RpcReplies[Subjects.equity] },
    );
}
