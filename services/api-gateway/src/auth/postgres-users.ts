import { notFound } from "@jts/kit";
import type { Sql } from "@jts/kit/postgres";
import { checkPasswordPolicy } from "./password-policy.ts";
import {
  checkPassword,
  checkUsername,
  conflict,
  decoyHash,
  hashPassword,
  type Role,
  type User,
  type UserChanges,
  type UserDirectory,
} from "./users.ts";

interface UserRow {
  username: string;
  role: Role;
  password_hash: string;
  disabled: boolean;
  token_version: number;
}

/**
 * Users in PostgreSQL's `users` table (migration 001): argon2id hashes, roles
 * admin/trader/viewer, a `disabled` flag that refuses login without deleting
 * the user. Uniqueness rests on the table's UNIQUE (username), so it holds
 * across gateway processes.
 */
export class PostgresUserDirectory implements UserDirectory {
  constructor(private readonly sql: Sql) {
    decoyHash();
  }

  async add(username: string, password: string, role: Role): Promise<User> {
    checkUsername(username);
    checkPasswordPolicy(password, username);
    const passwordHash = await hashPassword(password);
    // A concurrent add of the same name waits for the first to commit, then inserts nothing.
    const inserted = await this.sql`
      INSERT INTO users (username, password_hash, role) VALUES (${username}, ${passwordHash}, ${role})
      ON CONFLICT (username) DO NOTHING
      RETURNING id`;
    if (inserted.length === 0) throw conflict(username);
    return { username, role, passwordHash, disabled: false, tokenVersion: 0 };
  }

  async verify(username: string, password: string): Promise<User | null> {
    const row = await this.row(username);
    // A disabled user's hash is still checked, so a disabled name answers as slowly as any other.
    const ok = await checkPassword(password, row?.password_hash);
    return row && ok && !row.disabled ? toUser(row) : null;
  }

  async find(username: string): Promise<User | undefined> {
    const row = await this.row(username);
    return row && toUser(row);
  }

  async update(username: string, changes: UserChanges): Promise<User> {
    if (changes.password !== undefined) checkPasswordPolicy(changes.password, username);
    const passwordHash = changes.password === undefined ? null : await hashPassword(changes.password);
    // One statement: the version moves with the change, so no token outlives it.
    const [row] = await this.sql<UserRow[]>`
      UPDATE users SET
        role = COALESCE(${changes.role ?? null}::text, role),
        disabled = COALESCE(${changes.disabled ?? null}::boolean, disabled),
        password_hash = COALESCE(${passwordHash}::text, password_hash),
        token_version = token_version + 1,
        updated_at = jts_now_ns()
      WHERE username = ${username}
      RETURNING username, role, password_hash, disabled, token_version`;
    if (!row) throw notFound(`user ${username}`);
    return toUser(row);
  }

  private async row(username: string): Promise<UserRow | undefined> {
    const [row] = await this.sql<UserRow[]>`
      SELECT username, role, password_hash, disabled, token_version FROM users WHERE username = ${username}`;
    return row;
  }
}

function toUser(row: UserRow): User {
  return {
    username: row.username,
    role: row.role,
    passwordHash: row.password_hash,
    disabled: row.disabled,
    tokenVersion: Number(row.token_version),
  };
}
