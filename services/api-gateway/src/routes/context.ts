import type { RpcClient } from "@jts/kit";
import type { AccountsOf } from "../auth/access.ts";
import type { AuthPlugin } from "../auth/plugin.ts";

/**
 * What every controller gets: the auth plugin (its `auth`, `role` and `audit`
 * route options), the typed rpc call to the services, and the accounts a user
 * may reach.
 */
export interface RouteContext {
  auth: AuthPlugin;
  call: RpcClient["call"];
  accountsOf: AccountsOf;
}
