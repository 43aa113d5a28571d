import type { Logger } from "@jts/kit";
import { AppError, ConfigError } from "@jts/kit";
import { passwordProblem } from "./password-policy.ts";
import type { UserDirectory } from "./users.ts";

export type BootstrapResult = "created" | "kept";

/**
 * Makes sure the bootstrap admin (JTS_ADMIN_USER / JTS_ADMIN_PASSWORD) exists.
 * Missing: created as an admin. Present: left exactly as it is, password, role
 * and disabled flag included, even when JTS_ADMIN_PASSWORD changed.
 *
 * Why never overwrite: the stored password may have been changed on purpose
 * (by the admin, or by an operator after a leak), and a restart with an old or
 * default environment (the dev default is public) would silently undo that.
 * Updating only "when JTS_ADMIN_PASSWORD changed" needs a record of the last
 * environment value, and turns anyone who can set the environment into someone
 * who can reset the admin without a trace in the database. So a mismatch is
 * only logged; resetting the password is an explicit act (today: update the
 * row's password_hash, or delete the row and restart).
 */
export async function ensureBootstrapAdmin(
  users: UserDirectory,
  username: string,
  password: string,
  logger: Logger,
): Promise<BootstrapResult> {
  if (!(await users.find(username))) {
    // Said as a configuration problem: the operator sets this password in the environment.
    const weak = passwordProblem(password, username);
    if (weak) throw new ConfigError([`JTS_ADMIN_PASSWORD: ${weak}`]);
    try {
      await users.add(username, password, "admin");
      logger.info("bootstrap admin created", { username });
      return "created";
    } catch (error) {
      // Another gateway created it between the lookup and the insert.
      if (!(error instanceof AppError && error.code === "CONFLICT")) throw error;
    }
  }
  const existing = await users.find(username);
  if (existing && existing.role !== "admin") {
    logger.warn("bootstrap user exists without the admin role; left as it is", { username, role: existing.role });
  }
  if (!(await users.verify(username, password))) {
    logger.warn(
      "JTS_ADMIN_PASSWORD does not open the stored bootstrap user (changed password, or user disabled); " +
        "the stored user is kept",
      { username },
    );
  }
  return "kept";
}
