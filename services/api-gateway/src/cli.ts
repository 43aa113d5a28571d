/**
 * Operator commands for users, on the same store the gateway uses
 * (PostgreSQL at DATABASE_URL). The password comes from JTS_NEW_PASSWORD or
 * standard input, never from the command line (shell history, ps).
 *
 *   bun services/api-gateway/src/cli.ts add-user <username> <admin|trader|viewer>
 */
import { AppError, loadConfig, str } from "@jts/kit";
import { connectPostgres, migrate } from "@jts/kit/postgres";
import { passwordProblem } from "./auth/password-policy.ts";
import { PostgresUserDirectory } from "./auth/postgres-users.ts";
import type { Role } from "./auth/users.ts";

const ROLES: readonly Role[] = ["admin", "trader", "viewer"];
const usage = "usage: cli.ts add-user <username> <admin|trader|viewer>  (password from JTS_NEW_PASSWORD or stdin)";

async function readPassword(): Promise<string> {
  if (process.env.JTS_NEW_PASSWORD) return process.env.JTS_NEW_PASSWORD;
  const text = await new Response(Bun.stdin.stream()).text();
  return text.split("\n")[0]?.trim() ?? "";
}

const [command, username, role] = process.argv.slice(2);
if (command !== "add-user" || !username || !ROLES.includes(role as Role)) {
  console.error(usage);
  process.exit(2);
}
const config = loadConfig({ DATABASE_URL: str("") });
if (!config.DATABASE_URL) {
  console.error("DATABASE_URL is not set: users live in PostgreSQL (in-memory users vanish with the process)");
  process.exit(2);
}
const password = await readPassword();
const problem = passwordProblem(password, username);
if (problem) {
  console.error(problem);
  process.exit(2);
}
const sql = connectPostgres(config.DATABASE_URL, { applicationName: "jts-cli" });
try {
  await migrate(sql);
  await new PostgresUserDirectory(sql).add(username, password, role as Role);
  console.log(`created ${role} ${username}`);
} catch (error) {
  console.error(error instanceof AppError ? error.message : error);
  process.exitCode = 1;
} finally {
  await sql.end({ timeout: 5 });
}
