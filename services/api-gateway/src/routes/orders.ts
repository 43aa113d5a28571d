import { AmendFields, Id, Order, RpcReplies, Subjects, SymbolCode } from "@jts/contracts";
import { Elysia, t } from "elysia";
import { checkAccountAccess, forbidden } from "../auth/access.ts";
import { IdParams, OrderRequest, OrdersQuery } from "../model.ts";
import type { RouteContext } from "./context.ts";
import { readListPages } from "./list-pages.ts";
import { strategyRules } from "./strategies.ts";

/** PATCH /api/orders/:id body: what may change; quantity is the new total. */
export { AmendFields };

/** POST /api/orders/cancel-all body: the account and/or symbol to cancel; everything the caller may touch when empty. */
export const CancelAllBody = t.Object(
  { account: t.Optional(Id), symbol: t.Optional(SymbolCode) },
  { additionalProperties: false },
);

/**
 * The OMS routes. Viewers read; a trader places, cancels and amends on their
 * own accounts only (the OMS gets the caller's accounts and stays inside them);
 * an admin on any.
 */
export function orderRoutes({ auth, call, accountsOf }: RouteContext) {
  const strategies = strategyRules(call, accountsOf);

  return new Elysia({ prefix: "/api/orders" })
    .use(auth)
    .post(
      "",
      async ({ user, body, set }) => {
        const accounts = await accountsOf(user);
        let account = body.account ?? accounts?.[0];
        if (accounts && (!account || !accounts.includes(account)))
          throw forbidden(`no access to account ${account ?? "(none)"}`);
        if (body.strategyId !== undefined) account = await strategies.checkOrderTag(body.strategyId, account);
        const { order, created } = await call(Subjects.orderSubmit, {
          ...body,
          ...(account ? { account } : {}),
        });
        set.status = created ? 201 : 200;
        return order;
      },
      {
        role: { min: "trader", refusal: "viewers cannot trade" },
        audit: "order.submit",
        body: OrderRequest,
        response: { 200: Order, 201: Order },
      },
    )
    .get(
      "",
      async ({ user, query: { limit, before, ...filters } }) => {
        const accounts = await accountsOf(user);
        return readListPages(
          limit,
          before,
          (page) => call(Subjects.orderList, { ...filters, ...page, accounts }),
          (order) => ({ time: order.createdAt, id: order.id }),
        );
      },
      {
        auth: true,
        query: OrdersQuery,
        response: RpcReplies[Subjects.orderList],
        detail: {
          description:
            "The caller's orders, newest first by (createdAt, id), `limit` of them (500 when absent, at most 2000). For the next page pass `before=<createdAt>:<id>` of the last order shown; a page shorter than `limit` is the last. 422 for a bad limit or cursor.",
        },
      },
    )
    .get(
      "/:id",
      async ({ user, params }) => call(Subjects.orderGet, { orderId: params.id, accounts: await accountsOf(user) }),
      { auth: true, params: IdParams, response: RpcReplies[Subjects.orderGet] },
    )
    .delete(
      "/:id",
      async ({ user, params }) => call(Subjects.orderCancel, { orderId: params.id, accounts: await accountsOf(user) }),
      {
        role: { min: "trader", refusal: "viewers cannot cancel orders" },
        audit: "order.cancel",
        params: IdParams,
        response: RpcReplies[Subjects.orderCancel],
        detail: {
          description:
            "Cancels the order and answers it (200). An order still OUTCOME_UNKNOWN (its place may yet reach the venue) that the venue does not have yet is answered as it stands, status OUTCOME_UNKNOWN: its cancel is pending and is sent the moment the venue turns out to have it (the OMS's lookup or a late ack), so it never goes live; it ends CANCELED, or REJECTED if the venue never got it. 409 when the order is closed already or the venue refuses the cancel.",
        },
      },
    )
    .post(
      "/cancel-all",
      async ({ user, body }) => {
        const accounts = await accountsOf(user);
        if (body.account !== undefined) checkAccountAccess(accounts, body.account);
        return call(Subjects.orderCancelAll, { ...body, ...(accounts ? { accounts } : {}) });
      },
      {
        role: { min: "trader", refusal: "viewers cannot cancel orders" },
        audit: "order.cancel-all",
        body: CancelAllBody,
        response: RpcReplies[Subjects.orderCancelAll],
      },
    )
    .patch(
      "/:id",
      async ({ user, params: { id: orderId }, body: changes }) => {
        const accounts = await accountsOf(user);
        return call(Subjects.orderAmend, { orderId, changes, ...(accounts ? { accounts } : {}) });
      },
      {
        role: { min: "trader", refusal: "viewers cannot amend orders" },
        audit: "order.amend",
        params: IdParams,
        body: AmendFields,
        response: RpcReplies[Subjects.orderAmend],
      },
    );
}
