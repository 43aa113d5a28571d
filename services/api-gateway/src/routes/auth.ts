import type { SlidingWindowSpec } from "@jts/contracts";
import { AppError, type Logger } from "@jts/kit";
import { Elysia } from "elysia";
import { type AuditTrail, requestIdOf } from "../audit-trail.ts";
import { forbidden } from "../auth/access.ts";
import type { LoginGuard } from "../auth/login-guard.ts";
import type { RateLimit } from "../auth/rate-limit.ts";
import { clearedRefreshCookie, refreshCookie, refreshTokenFromCookie } from "../auth/refresh-cookie.ts";
import type { TokenService } from "../auth/tokens.ts";
import type { UserStates } from "../auth/user-state.ts";
import type { UserDirectory } from "../auth/users.ts";
import { LoginBody, LogoutBody, PasswordChangeBody, RefreshBody } from "../model.ts";
import type { RouteContext } from "./context.ts";

export interface AuthRouteDeps {
  users: UserDirectory;
  userStates: UserStates;
  tokens: TokenService;
  loginGuard: LoginGuard;
  limit: RateLimit;
  /** Per client address (refresh), like any call before login. */
  apiBucket: SlidingWindowSpec;
  /** Per refresh token and per user's password change: what a login guess costs. */
  loginBucket: SlidingWindowSpec;
  refreshTtlSeconds: number;
  audit: AuditTrail;
  logger: Logger;
  /** Closes the open sockets of a session that logged out, at once rather than at token expiry. */
  revokeSession(sid: string): void;
}

const sha256 = (value: string) => new Bun.CryptoHasher("sha256").update(value).digest("hex");

/**
 * /api/auth: login and refresh are public (they are how a token is got);
 * logout, logout-all and the password change need one.
 */
export function authRoutes({ auth }: RouteContext, deps: AuthRouteDeps) {
  const { users, userStates, tokens, loginGuard, limit, apiBucket, loginBucket, refreshTtlSeconds, audit, logger } =
    deps;
  return (
    new Elysia({ prefix: "/api/auth" })
      .use(auth)
      .post(
        "/login",
        async ({ body, set, request, client, ...context }) => {
          // Only wrong passwords count: per address, per (account, address), and per account as a slowdown (see LoginGuard).
          await loginGuard.check(client.ip, body.username, set.headers);
          const user = await users.verify(body.username, body.password);
          const where = { ...audit.origin(request, client), requestId: requestIdOf(context) };
          if (!user) {
            await loginGuard.failed(client.ip, body.username);
            logger.warn("login failed", { username: body.username, ip: client.ip });
            await audit.record({
              actor: body.username,
              action: "auth.login",
              ...where,
              details: { outcome: "refused" },
            });
            throw new AppError("UNAUTHORIZED", "wrong username or password");
          }
          await loginGuard.succeeded(client.ip, user.username);
          await audit.record({ actor: user.username, action: "auth.login", ...where, details: { outcome: "ok" } });
          const pair = await tokens.issue(user.username, user.role, user.tokenVersion);
          if (body.refreshTokenIn !== "cookie") return pair;
          set.headers["set-cookie"] = refreshCookie(pair.refreshToken, refreshTtlSeconds, client.secure);
          return { accessToken: pair.accessToken, expiresIn: pair.expiresIn };
        },
        {
          body: LoginBody,
          detail: {
            security: [],
            description:
              'Answers an access token and, by default, the refresh token in the body (API clients). With `refreshTokenIn: "cookie"` (browsers) the refresh token is set only as the HttpOnly, SameSite=Strict `jts_refresh` cookie on /api/auth. Wrong passwords are braked per client address (LOGIN_RATE_LIMIT per minute) and per account and address (a doubling wait after 5); failures on an account from all addresses only slow its logins (never refuse them) and raise an alert; correct ones are never counted.',
          },
        },
      )
      .post(
        "/refresh",
        async ({ body, set, headers, client }) => {
          // The body's token (API clients) wins; a browser's is in the HttpOnly cookie and is answered the same way.
          const fromCookie = body?.refreshToken ? undefined : refreshTokenFromCookie(headers.cookie);
          const token = body?.refreshToken ?? fromCookie;
          // Per token, so garbage from one client never blocks another's refresh; per address, so nobody sprays.
          await limit(`refresh-ip:${client.ip}`, apiBucket, set);
          if (!token) throw new AppError("UNAUTHORIZED", "no refresh token (body or cookie)");
          await limit(`refresh:${sha256(token)}`, loginBucket, set);
          const pair = await tokens.refresh(token).catch((error: unknown) => {
            if (fromCookie) set.headers["set-cookie"] = clearedRefreshCookie(client.secure);
            throw error;
          });
          if (!fromCookie) return pair;
          set.headers["set-cookie"] = refreshCookie(pair.refreshToken, refreshTtlSeconds, client.secure);
          return { accessToken: pair.accessToken, expiresIn: pair.expiresIn };
        },
        {
          body: RefreshBody,
          detail: {
            security: [],
            description:
              "Rotates the refresh token: from the body `{refreshToken}` (answered in the body) or, with no body token, from the `jts_refresh` cookie (answered as a new cookie; the body then has no refresh token). Limited per token and per client address.",
          },
        },
      )
      .post(
        "/logout",
        async ({ user, body, headers, set, client }) => {
          // The session the access token belongs to ends, body or not: its refresh tokens and every access token.
          await tokens.endSession(user);
          if (user.sid) deps.revokeSession(user.sid); // open sockets of this session close now, not at expiry
          const refreshToken = body?.refreshToken ?? refreshTokenFromCookie(headers.cookie);
          if (refreshToken) await tokens.revokeRefresh(refreshToken);
          set.headers["set-cookie"] = clearedRefreshCookie(client.secure);
          return { loggedOut: true };
        },
        { audit: "auth.logout", body: LogoutBody },
      )
      // Every session of the caller ends, on every device.
      .post(
        "/logout-all",
        async ({ user }) => {
          await userStates.update(user.username, {});
          return { loggedOut: true };
        },
        { audit: "auth.logout-all" },
      )
      .put(
        "/password",
        async ({ user, body, set }) => {
          // A stolen access token must not become a password oracle: guesses cost what login guesses cost.
          await limit(`password:${user.username}`, loginBucket, set);
          // 403, not 401: the session is fine, and a client must not take this for a logout.
          if (!(await users.verify(user.username, body.currentPassword)))
            throw forbidden("the current password is wrong");
          await userStates.update(user.username, { password: body.newPassword });
          return { changed: true };
        },
        { audit: "auth.password-change", body: PasswordChangeBody },
      )
  );
}
