import { AppError } from "@jts/kit";

export type Role = "admin" | "trader" | "viewer";

export interface User {
  username: string;
  role: Role;
  passwordHash: string;
}

/** The identity a verified token carries into every private route. */
export interface AuthUser {
  username: string;
  role: Role;
  /** Token id, so logout can deny this very token. */
  jti: string;
  /** Expiry in seconds since the epoch. */
  exp: number;
}

/**
 * Users with argon2id password hashes (Bun.password). In memory for now, with
 * the bootstrap admin; the gateway issue moves them to PostgreSQL.
 */
export class UserDirectory {
  private readonly users = new Map<string, User>();
  /** A real hash to compare against when the user does not exist, so timing does not reveal names. */
  private readonly decoy = Bun.password.hashSync("decoy-password-never-matches");

  async add(username: string, password: string, role: Role): Promise<User> {
    if (this.users.has(username)) throw new AppError("CONFLICT", `user ${username} exists`);
    const user = { username, role, passwordHash: await Bun.password.hash(password, { algorithm: "argon2id" }) };
    this.users.set(username, user);
    return user;
  }

  /** The user when the password matches; null otherwise, in about the same time. */
  async verify(username: string, password: string): Promise<User | null> {
    const user = this.users.get(username);
    const ok = await Bun.password.verify(password, user?.passwordHash ?? this.decoy);
    return user && ok ? user : null;
  }

  get(username: string): User | undefined {
    return this.users.get(username);
  }
}
