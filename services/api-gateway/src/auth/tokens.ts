import type { Cache } from "@jts/contracts";
import { AppError, newId, oldestKeyDropper } from "@jts/kit";
import type { UserState, UserStates } from "./user-state.ts";
import type { AuthUser, Role } from "./users.ts";

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

export interface JwtCodec {
  sign(claims: Record<string, string | number>): Promise<string>;
  verify(token: string): Promise<Record<string, unknown> | false>;
}

/** A session: one login and the refresh tokens rotated from it (a family). */
interface RefreshRecord {
  username: string;
  family: string;
  /** When the session began (ms since the epoch): it ends sessionMaxSeconds later, however often it is refreshed. */
  startedAt: number;
  /** The user's token version at login. */
  version: number;
  /** The role last issued (used only where no UserStates re-reads the user: unit tests). */
  role: Role;
}

/** The claims a verified access token carries. */
interface AccessClaims {
  sub: string;
  role: unknown;
  jti: string;
  exp: number;
  /** The user's token version when issued. */
  ver: number;
  /** The session (refresh family). */
  sid: string;
}

export interface SessionRules {
  /** The users' current state: every token is checked against it. Without it (unit tests) tokens stand alone. */
  users?: UserStates;
  /** Absolute session lifetime: no refresh extends a session past this. Default 30 days. */
  sessionMaxSeconds?: number;
}

/** Verified tokens remembered per process; past this, the oldest is forgotten (it is verified again if it returns). */
const MAX_VERIFIED_TOKENS = 10_000;

const sha256 = (value: string) => new Bun.CryptoHasher("sha256").update(value).digest("hex");
const unauthorized = (message: string) => new AppError("UNAUTHORIZED", message);

/**
 * Short-lived access JWTs and rotating refresh tokens. Refresh tokens are
 * random, stored only as hashes, single use; presenting a used one again
 * means it was stolen, so its whole family (the session) is revoked.
 *
 * A session ends, with every access token issued in it, when: it is logged
 * out or its family revoked (one cache key per session, checked on every
 * request); the user's token version moves on (disabled, role or password
 * changed, "log out everywhere": UserStates, in memory); the user no longer
 * exists; or it is older than the absolute lifetime (refresh refuses it).
 * Refresh re-reads the user, so a new access token carries the role of now.
 */
export class TokenService {
  /**
   * Signature checks already done, by token. A signature never stops being
   * valid for the same secret, so each token is verified once (HMAC plus the
   * claims parse cost more than the rest of a request); expiry, the session
   * and the user are still checked on every request.
   */
  private readonly verified = new Map<string, AccessClaims>();
  private readonly dropOldestVerified = oldestKeyDropper(this.verified);
  private readonly sessionMaxMs: number;

  constructor(
    private readonly jwt: JwtCodec,
    private readonly cache: Cache,
    private readonly accessTtlSeconds: number,
    private readonly refreshTtlSeconds: number,
    private readonly rules: SessionRules = {},
  ) {
    this.sessionMaxMs = (rules.sessionMaxSeconds ?? 30 * 86_400) * 1000;
  }

  /** A new session for a user who just proved who they are (login). */
  async issue(username: string, role: Role, version = 0): Promise<TokenPair> {
    return this.issueIn({ username, family: newId(), startedAt: Date.now(), version, role });
  }

  private async issueIn(session: RefreshRecord): Promise<TokenPair> {
    const { role } = session;
    const accessToken = await this.jwt.sign({
      sub: session.username,
      role,
      jti: newId(),
      exp: Math.floor(Date.now() / 1000) + this.accessTtlSeconds,
      ver: session.version,
      sid: session.family,
    });
    const refreshToken = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
    // The refresh token never outlives its session.
    const ttlMs = Math.min(this.refreshTtlSeconds * 1000, session.startedAt + this.sessionMaxMs - Date.now());
    await this.cache.set(`auth:refresh:${sha256(refreshToken)}`, JSON.stringify(session), Math.max(1000, ttlMs));
    return { accessToken, refreshToken, expiresIn: this.accessTtlSeconds };
  }

  async refresh(refreshToken: string): Promise<TokenPair> {
    const hash = sha256(refreshToken);
    const raw = await this.cache.get(`auth:refresh:${hash}`);
    if (!raw) {
      const reusedFamily = await this.cache.get(`auth:used:${hash}`);
      if (reusedFamily) await this.revokeFamily(reusedFamily);
      throw unauthorized("refresh token is invalid, expired or already used");
    }
    const record = JSON.parse(raw) as Partial<RefreshRecord>;
    // Records from before sessions had a start and a version: their session is over, log in again.
    if (
      typeof record.startedAt !== "number" ||
      typeof record.version !== "number" ||
      !record.family ||
      !record.username
    )
      throw unauthorized("session has ended; log in again");
    const session = record as RefreshRecord;
    if (await this.cache.get(`auth:revoked-family:${session.family}`)) throw unauthorized("refresh token was revoked");
    // Claim the token atomically so two racing refreshes cannot both succeed.
    if (!(await this.cache.setIfAbsent(`auth:used:${hash}`, session.family, this.refreshTtlSeconds * 1000))) {
      await this.revokeFamily(session.family);
      throw unauthorized("refresh token already used");
    }
    await this.cache.delete(`auth:refresh:${hash}`);
    if (Date.now() - session.startedAt >= this.sessionMaxMs)
      throw unauthorized("session reached its maximum lifetime; log in again");
    const user = this.rules.users ? await this.rules.users.get(session.username) : undefined;
    if (user === null) throw unauthorized("user no longer exists");
    if (user?.disabled) throw unauthorized("user is disabled");
    if (user && user.tokenVersion !== session.version) throw unauthorized("session was ended; log in again");
    return this.issueIn({ ...session, role: user?.role ?? session.role });
  }

  /** Ends the session a refresh token belongs to (logout with the refresh token). */
  async revokeRefresh(refreshToken: string): Promise<void> {
    const hash = sha256(refreshToken);
    const raw = await this.cache.get(`auth:refresh:${hash}`);
    if (!raw) return;
    const record = JSON.parse(raw) as Partial<RefreshRecord>;
    if (record.family) await this.revokeFamily(record.family);
    await this.cache.delete(`auth:refresh:${hash}`);
  }

  /**
   * Ends the session an access token belongs to: its refresh tokens stop
   * rotating and every access token issued in it is refused from now on.
   */
  async endSession(user: AuthUser): Promise<void> {
    if (user.sid) await this.revokeFamily(user.sid);
  }

  private async revokeFamily(family: string): Promise<void> {
    // Kept as long as any token of the session can live: its refresh tokens, and access tokens issued at the last moment.
    const ttlMs = Math.max(this.refreshTtlSeconds, this.accessTtlSeconds) * 1000;
    await this.cache.set(`auth:revoked-family:${family}`, "1", ttlMs);
  }

  /** The user of a valid, unexpired access token of a live session of a current user; null otherwise. */
  async authenticate(token: string | undefined): Promise<AuthUser | null> {
    if (!token) return null;
    const claims = this.verified.get(token) ?? (await this.verify(token));
    if (!claims) return null;
    if (claims.exp * 1000 <= Date.now()) {
      this.verified.delete(token);
      return null;
    }
    const role = claims.role;
    if (role !== "admin" && role !== "trader" && role !== "viewer") return null;
    const user: AuthUser = {
      username: claims.sub,
      role,
      jti: claims.jti,
      exp: claims.exp,
      sid: claims.sid,
      ver: claims.ver,
    };
    const state = await this.currentState(user);
    if (state === null) return null;
    // The role of now, not the token's word for it (equal unless the token was forged with the key).
    if (state) user.role = state.role;
    return user;
  }

  /**
   * Whether an authenticated user's session still holds: not ended, the user
   * still there, enabled and at the token's version. Checked on every request
   * (authenticate) and every WebSocket message (the hub): one in-memory
   * lookup and one cache read, the cost of the per-token deny list before.
   */
  async isCurrent(user: AuthUser): Promise<boolean> {
    return (await this.currentState(user)) !== null;
  }

  /** The user's state when the session holds (undefined without UserStates); null when it does not. */
  private async currentState(user: AuthUser): Promise<UserState | null | undefined> {
    const users = this.rules.users;
    let state: UserState | null | undefined;
    if (users) {
      // Known users answer from memory without a promise: this runs on every request.
      state = users.cached(user.username) ?? (await users.get(user.username));
      if (state === null || state.disabled || state.tokenVersion !== user.ver) return null;
    }
    if (!user.sid || (await this.cache.get(`auth:revoked-family:${user.sid}`))) return null;
    return state;
  }

  /** Checks the signature and the claims' shape; remembers the token when both hold. */
  private async verify(token: string): Promise<AccessClaims | null> {
    const claims = await this.jwt.verify(token);
    if (
      !claims ||
      typeof claims.sub !== "string" ||
      typeof claims.jti !== "string" ||
      typeof claims.exp !== "number" ||
      typeof claims.ver !== "number" ||
      typeof claims.sid !== "string"
    )
      return null;
    const verified: AccessClaims = {
      sub: claims.sub,
      role: claims.role,
      jti: claims.jti,
      exp: claims.exp,
      ver: claims.ver,
      sid: claims.sid,
    };
    if (this.verified.size >= MAX_VERIFIED_TOKENS) this.dropOldestVerified();
    this.verified.set(token, verified);
    return verified;
  }
}

export function bearerToken(header: string | null | undefined): string | undefined {
  if (!header?.startsWith("Bearer ")) return undefined;
  return header.slice(7).trim() || undefined;
}
