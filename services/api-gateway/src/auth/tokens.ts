import type { Cache } from "@jts/contracts";
import { AppError, newId } from "@jts/kit";
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

interface RefreshRecord {
  username: string;
  role: Role;
  family: string;
}

/** The claims a verified access token carries. */
interface AccessClaims {
  sub: string;
  role: unknown;
  jti: string;
  exp: number;
}

/** Verified tokens remembered per process; past this, the oldest is forgotten (it is verified again if it returns). */
const MAX_VERIFIED_TOKENS = 10_000;

const sha256 = (value: string) => new Bun.CryptoHasher("sha256").update(value).digest("hex");

/**
 * Short-lived access JWTs and rotating refresh tokens. Refresh tokens are
 * random, stored only as hashes, single use; presenting a used one again
 * means it was stolen, so its whole family is revoked. Logout denies the
 * access token until it expires.
 */
export class TokenService {
  /**
   * Signature checks already done, by token. A signature never stops being
   * valid for the same secret, so each token is verified once (HMAC plus the
   * claims parse cost more than the rest of a request); expiry and the deny
   * list are still checked on every request.
   */
  private readonly verified = new Map<string, AccessClaims>();

  constructor(
    private readonly jwt: JwtCodec,
    private readonly cache: Cache,
    private readonly accessTtlSeconds: number,
    private readonly refreshTtlSeconds: number,
  ) {}

  async issue(username: string, role: Role, family: string = newId()): Promise<TokenPair> {
    const accessToken = await this.jwt.sign({
      sub: username,
      role,
      jti: newId(),
      exp: Math.floor(Date.now() / 1000) + this.accessTtlSeconds,
    });
    const refreshToken = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
    const record: RefreshRecord = { username, role, family };
    await this.cache.set(`auth:refresh:${sha256(refreshToken)}`, JSON.stringify(record), this.refreshTtlSeconds * 1000);
    return { accessToken, refreshToken, expiresIn: this.accessTtlSeconds };
  }

  async refresh(refreshToken: string): Promise<TokenPair> {
    const hash = sha256(refreshToken);
    const raw = await this.cache.get(`auth:refresh:${hash}`);
    if (!raw) {
      const reusedFamily = await this.cache.get(`auth:used:${hash}`);
      if (reusedFamily) await this.cache.set(`auth:revoked-family:${reusedFamily}`, "1", this.refreshTtlSeconds * 1000);
      throw new AppError("UNAUTHORIZED", "refresh token is invalid, expired or already used");
    }
    const record = JSON.parse(raw) as RefreshRecord;
    if (await this.cache.get(`auth:revoked-family:${record.family}`))
      throw new AppError("UNAUTHORIZED", "refresh token was revoked");
    // Claim the token atomically so two racing refreshes cannot both succeed.
    if (!(await this.cache.setIfAbsent(`auth:used:${hash}`, record.family, this.refreshTtlSeconds * 1000))) {
      await this.cache.set(`auth:revoked-family:${record.family}`, "1", this.refreshTtlSeconds * 1000);
      throw new AppError("UNAUTHORIZED", "refresh token already used");
    }
    await this.cache.delete(`auth:refresh:${hash}`);
    return this.issue(record.username, record.role, record.family);
  }

  async revokeRefresh(refreshToken: string): Promise<void> {
    const hash = sha256(refreshToken);
    const raw = await this.cache.get(`auth:refresh:${hash}`);
    if (!raw) return;
    const record = JSON.parse(raw) as RefreshRecord;
    await this.cache.set(`auth:revoked-family:${record.family}`, "1", this.refreshTtlSeconds * 1000);
    await this.cache.delete(`auth:refresh:${hash}`);
  }

  async deny(user: AuthUser): Promise<void> {
    const ttlMs = Math.max(1000, user.exp * 1000 - Date.now());
    await this.cache.set(`auth:denied:${user.jti}`, "1", ttlMs);
  }

  /** The user of a valid, unexpired, not denied access token; null otherwise. */
  async authenticate(token: string | undefined): Promise<AuthUser | null> {
    if (!token) return null;
    const claims = this.verified.get(token) ?? (await this.verify(token));
    if (!claims) return null;
    if (claims.exp * 1000 <= Date.now()) {
      this.verified.delete(token);
      return null;
    }
    if (await this.cache.get(`auth:denied:${claims.jti}`)) return null;
    const role = claims.role;
    if (role !== "admin" && role !== "trader" && role !== "viewer") return null;
    return { username: claims.sub, role, jti: claims.jti, exp: claims.exp };
  }

  /** Checks the signature and the claims' shape; remembers the token when both hold. */
  private async verify(token: string): Promise<AccessClaims | null> {
    const claims = await this.jwt.verify(token);
    if (!claims || typeof claims.sub !== "string" || typeof claims.jti !== "string" || typeof claims.exp !== "number")
      return null;
    const verified: AccessClaims = { sub: claims.sub, role: claims.role, jti: claims.jti, exp: claims.exp };
    if (this.verified.size >= MAX_VERIFIED_TOKENS) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(token, verified);
    return verified;
  }
}

export function bearerToken(header: string | null | undefined): string | undefined {
  if (!header?.startsWith("Bearer ")) return undefined;
  return header.slice(7).trim() || undefined;
}
