import { AppError, badRequest, notFound } from "@jts/kit";
import { checkPasswordPolicy } from "./password-policy.ts";

export type Role = "admin" | "trader" | "viewer";

export interface User {
  username: string;
  role: Role;
  passwordHash: string;
  /** A disabled user cannot log in, refresh or use a token issued before. */
  disabled: boolean;
  /**
   * Bumped by every change to the user (role, disabled, password) and by
   * "log out everywhere": tokens carry the version they were issued under and
   * are refused once it moved on.
   */
  tokenVersion: number;
}

/** What an admin (or the user, for their password) may change; every update ends the user's sessions. */
export interface UserChanges {
  role?: Role;
  disabled?: boolean;
  password?: string;
}

/** The identity a verified token carries into every private route. */
export interface AuthUser {
  username: string;
  role: Role;
  /** Token id, so logout can deny this very token. */
  jti: string;
  /** Expiry in seconds since the epoch. */
  exp: number;
  /** The session (refresh family) the token belongs to; logout ends it. */
  sid?: string;
  /** The user's token version the token was issued under. */
  ver?: number;
}

/**
 * Users with argon2id password hashes (Bun.password): in memory
 * (MemoryUserDirectory, the default) or in PostgreSQL's `users` table
 * (PostgresUserDirectory). Both pass one contract suite
 * (testing/user-directory-contract.ts).
 */
export interface UserDirectory {
  /** Creates a user; CONFLICT when the name is taken (the stored user is left as it is); VALIDATION for a weak password. */
  add(username: string, password: string, role: Role): Promise<User>;
  /** The user when the password matches; null otherwise (unknown, wrong or disabled), in about the same time. */
  verify(username: string, password: string): Promise<User | null>;
  find(username: string): Promise<User | undefined>;
  /**
   * Applies `changes` and bumps the token version, so every token issued to
   * the user before stops working (empty `changes`: log out everywhere).
   * NOT_FOUND for an unknown user; VALIDATION for a weak password.
   */
  update(username: string, changes: UserChanges): Promise<User>;
}

export const hashPassword = (password: string) => Bun.password.hash(password, { algorithm: "argon2id" });

let decoy: string | undefined;
/**
 * A real argon2id hash, made with the same cost as users' hashes, to compare
 * against when the user does not exist, so timing does not reveal names.
 * Made once, on the first directory's construction, not on a first login.
 */
export function decoyHash(): string {
  decoy ??= Bun.password.hashSync("decoy-password-never-matches", { algorithm: "argon2id" });
  return decoy;
}

/**
 * Verifies against the user's hash, or the decoy's when there is none. A
 * stored value that is not a hash at all (hand-edited row) is a mismatch, not
 * a 500.
 */
export async function checkPassword(password: string, hash: string | undefined): Promise<boolean> {
  try {
    return await Bun.password.verify(password, hash ?? decoyHash());
  } catch {
    return false;
  }
}

/** The users table's own rule (1 to 64 characters), enforced alike in memory. */
export function checkUsername(username: string): void {
  if (username.length < 1 || username.length > 64) throw badRequest("a username has 1 to 64 characters");
}

export const conflict = (username: string) => new AppError("CONFLICT", `user ${username} exists`);

/** Users in memory: nothing survives a restart. */
export class MemoryUserDirectory implements UserDirectory {
  private readonly users = new Map<string, User>();

  constructor() {
    decoyHash();
  }

  async add(username: string, password: string, role: Role): Promise<User> {
    checkUsername(username);
    checkPasswordPolicy(password, username);
    if (this.users.has(username)) throw conflict(username);
    const user: User = { username, role, passwordHash: await hashPassword(password), disabled: false, tokenVersion: 0 };
    // Checked again: another add of the same name may have finished while this one hashed.
    if (this.users.has(username)) throw conflict(username);
    this.users.set(username, user);
    return { ...user };
  }

  async verify(username: string, password: string): Promise<User | null> {
    const user = this.users.get(username);
    const ok = await checkPassword(password, user?.passwordHash);
    return user && ok && !user.disabled ? { ...user } : null;
  }

  async update(username: string, changes: UserChanges): Promise<User> {
    if (changes.password !== undefined) checkPasswordPolicy(changes.password, username);
    const passwordHash = changes.password === undefined ? undefined : await hashPassword(changes.password);
    const user = this.users.get(username);
    if (!user) throw notFound(`user ${username}`);
    if (changes.role !== undefined) user.role = changes.role;
    if (changes.disabled !== undefined) user.disabled = changes.disabled;
    if (passwordHash !== undefined) user.passwordHash = passwordHash;
    user.tokenVersion += 1;
    return { ...user };
  }

  async find(username: string): Promise<User | undefined> {
    return this.get(username);
  }

  /** Synchronous lookup, for in-process callers and tests that hold the memory directory itself. */
  get(username: string): User | undefined {
    const user = this.users.get(username);
    return user && { ...user };
  }
}

/**
 * `new UserDirectory()` is the in-memory directory, as before UserDirectory
 * became an interface; callers that construct one (services/platform boot.ts,
 * service.test.ts) keep working. New code names MemoryUserDirectory.
 */
export const UserDirectory = MemoryUserDirectory;
