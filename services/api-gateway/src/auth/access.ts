import { AppError } from "@jts/kit";
import type { AuthUser } from "./users.ts";

/** 403: the caller is known, and may not do this. */
export const forbidden = (message: string) => new AppError("FORBIDDEN", message);

/** The account ids a user may see and touch; undefined means all (admin). */
export type AccountsOf = (user: AuthUser) => Promise<string[] | undefined>;

/** 403 unless `account` is among `accounts` (undefined: every account, an admin's). */
export function checkAccountAccess(accounts: readonly string[] | undefined, account: string): void {
  if (accounts && !accounts.includes(account)) throw forbidden(`no access to account ${account}`);
}
