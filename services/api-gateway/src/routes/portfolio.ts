import { Nanos, RpcReplies, Subjects } from "@jts/contracts";
import { Elysia, t } from "elysia";
import { checkAccountAccess } from "../auth/access.ts";
import { FillsPageQuery } from "../model.ts";
import type { RouteContext } from "./context.ts";
import { jsonReply } from "./json-reply.ts";
import { readListPages } from "./list-pages.ts";

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
  const positions = jsonReply(RpcReplies[Subjects.positions]);
  return new Elysia({ prefix: "/api" })
    .use(auth)
    .get(
      "/fills",
      async ({ user, query }) => {
        const accounts = await accountsOf(user);
        return readListPages(
          query.limit,
          query.before,
          (page) => call(Subjects.fillList, { ...page, accounts }),
          (fill) => ({ time: fill.tsEvent, id: fill.id }),
        );
      },
      {
        auth: true,
        query: FillsPageQuery,
        response: RpcReplies[Subjects.fillList],
        detail: {
          description:
            "The caller's fills, newest first by (tsEvent, id), `limit` of them (500 when absent, at most 2000). For the next page pass `before=<tsEvent>:<id>` of the last fill shown; a page shorter than `limit` is the last. 422 for a bad limit or cursor.",
        },
      },
    )
    .get(
      "/positions",
      async ({ user, set }) =>
        positions.answer(set, await call(Subjects.positions, { accounts: await accountsOf(user) })),
      // The most polled route: the reply is written once per state of the positions (json-reply.ts).
      { auth: true, detail: positions.docs },
    )
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
