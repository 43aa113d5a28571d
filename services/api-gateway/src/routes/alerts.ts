import { RpcReplies, Subjects } from "@jts/contracts";
import { Elysia } from "elysia";
import type { RouteContext } from "./context.ts";

/** /api/alerts: the alerts of the caller's accounts and the platform's. */
export function alertRoutes({ auth, call, accountsOf }: RouteContext) {
  return new Elysia({ prefix: "/api/alerts" })
    .use(auth)
    .get("", async ({ user }) => call(Subjects.alertList, { accounts: await accountsOf(user) }), {
      auth: true,
      response: RpcReplies[Subjects.alertList],
    });
}
