import type { Sql } from "@jts/kit/postgres";
import {
  checkPassword,
  checkUsername,
  conflict,
  decoyHash,
  hashPassword,
  type Role,
  type User,
  type UserDirectory,
} from "./users.ts";

interface UserRow {
  username: string;
  role: Role;
  password_hash: string;
  disabled: boolean;
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
    const passwordHash = await hashPassword(password);
    // A concurrent add of the same name waits for the first to commit, then inserts nothing.
    const inserted = await this.sql`
      INSERT INTO users (username, password_hash, role) VALUES (${username}, ${passwordHash}, ${role})
      ON CONFLICT (username) DO NOTHING
      RETURNING id`;
    if (inserted.length === 0) throw conflict(username);
    return { username, role, passwordHash };
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

  private async row(username: string): Promise<UserRow | undefined> {
    const [row] = await this.sql<UserRow[]>`
      SELECT username, role, password_hash, disabled FROM users WHERE username = ${username}`;
    return row;
  }
}

function toUser(row: UserRow): User {
  return { username: row.username, role: row.role, passwordHash: row.password_hash };
}
