import { AppError } from "@jts/kit";
import { dictionary } from "@zxcvbn-ts/language-common";

/** Shortest password accepted for any user (NIST SP 800-63B asks for 8 at least; an admin of a trading platform gets more). */
export const MIN_PASSWORD_LENGTH = 12;

let common: Set<string> | undefined;
/**
 * The ~49,000 most common passwords of @zxcvbn-ts/language-common (zxcvbn's
 * "passwords" frequency list, from leaked password corpora; MIT), lower case.
 * Built on first use (~25 ms), then kept.
 */
function commonPasswords(): Set<string> {
  common ??= new Set(dictionary["passwords-common"]);
  return common;
}

/** Why `password` may not be used, or undefined when it may. */
export function passwordProblem(password: string, username?: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH)
    return `a password has at least ${MIN_PASSWORD_LENGTH} characters (this one has ${password.length})`;
  const lower = password.toLowerCase();
  if (commonPasswords().has(lower)) return "this password is on a list of common passwords; choose another";
  if (username && lower === username.toLowerCase()) return "a password may not be the username";
  return undefined;
}

/** Throws VALIDATION (422) with the reason when the password breaks the policy. */
export function checkPasswordPolicy(password: string, username?: string): void {
  const problem = passwordProblem(password, username);
  if (problem) throw new AppError("VALIDATION", problem);
}
