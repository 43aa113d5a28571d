import type { SlidingWindowSpec } from "@jts/contracts";
import { AppError } from "@jts/kit";
import { Elysia } from "elysia";
import { type AuditTrail, isAuditableBody } from "../audit-trail.ts";
import { type ClientOrigin, requestOrigin } from "../client-ip.ts";
import { forbidden } from "./access.ts";
import type { RateLimit } from "./rate-limit.ts";
import { isSafetyCall } from "./safety.ts";
import { bearerToken, type TokenService } from "./tokens.ts";
import type { AuthUser, Role } from "./users.ts";

/** Who may call a route: at least `min` (viewer < trader < admin); anyone else gets 403 with `refusal`. */
export interface RoleRule {
  min: Exclude<Role, "viewer">;
  refusal: string;
}

const RANK: Record<Role, number> = { viewer: 0, trader: 1, admin: 2 };

export interface AuthPluginDeps {
  tokens: Pick<TokenService, "authenticate">;
  limit: RateLimit;
  /** The ordinary per-user bucket, and per address before login. */
  apiBucket: SlidingWindowSpec;
  /** HALT, cancel-all and disarm: never behind the ordinary bucket (auth/safety.ts). */
  safetyBucket: SlidingWindowSpec;
  /** Peers whose X-Forwarded-For is believed (client-ip.ts). */
  trustedProxies: ReadonlySet<string>;
  audit: AuditTrail;
}

/** The token checks and audit hooks this plugin made, so a test can read a route's policy off `app.routes`. */
const tokenChecks = new WeakSet<object>();
const auditActions = new WeakMap<object, string>();

/** A route as `app.routes` lists it: its hooks are functions or `{ fn }`. */
interface ListedRoute {
  hooks?: { beforeHandle?: unknown; afterResponse?: unknown };
}
const hookFns = (hooks: unknown): object[] =>
  ([hooks ?? []].flat() as Array<object | { fn: object }>).map((hook) => ("fn" in hook ? hook.fn : hook));

/** What the auth plugin enforces on a listed route: whether it needs a token, and its audit action if any. */
export function routePolicy(route: ListedRoute): { token: boolean; audit: string | undefined } {
  return {
    token: hookFns(route.hooks?.beforeHandle).some((fn) => tokenChecks.has(fn)),
    audit: hookFns(route.hooks?.afterResponse)
      .map((fn) => auditActions.get(fn))
      .find((action) => action !== undefined),
  };
}

/**
 * The gateway's one auth plugin: every controller `.use`s it and marks its
 * routes with route options (Elysia macros) instead of checking by hand.
 *
 * - `client` (every route of the controller): the caller's address, the peer or what
 *   a trusted proxy says, known before the answer is sent (Bun cannot name the peer
 *   after it): at once for state changes and upgrades, on first use otherwise
 *   (client-ip.ts, requestOrigin).
 * - `auth: true`: a valid access token (else 401), then the user's rate limit (429);
 *   the handler gets `user`. Before login the limit is per address.
 * - `role: { min, refusal }`: `auth`, then 403 with `refusal` below `min`.
 * - `audit: "order.submit"`: `auth`, then after the answer an audit entry (who, what,
 *   target `:id`, from where, status, the body unless it may hold a secret). Refused
 *   calls (403, 409...) are recorded too; calls that never authenticated are not.
 *
 * Order per request: body/params validation (422), auth, role, handler, audit.
 */
export function authPlugin({ tokens, limit, apiBucket, safetyBucket, trustedProxies, audit }: AuthPluginDeps) {
  const authenticate = async ({ headers, set, request, path, body, client }: TokenCheckContext) => {
    if (!client) throw new Error("gateway.auth: the client derive did not run");
    const user = await tokens.authenticate(bearerToken(headers.authorization));
    if (!user) {
      // Before login the limit is per address, so token guessing costs the same as anything else.
      await limit(`ip:${client.ip}`, apiBucket, set);
      throw new AppError("UNAUTHORIZED", "missing, invalid or expired access token");
    }
    if (isSafetyCall(request.method, path, body)) await limit(`safety:${user.username}`, safetyBucket, set);
    else await limit(`user:${user.username}`, apiBucket, set);
    return { user };
  };
  tokenChecks.add(authenticate);

  return new Elysia({ name: "gateway.auth" })
    .derive({ as: "scoped" }, ({ request, server }) => ({ client: requestOrigin(request, server, trustedProxies) }))
    .macro({
      auth: { resolve: authenticate },
    })
    .macro({
      role: (rule: RoleRule) => ({
        auth: true,
        // `auth` (applied first) resolved the user; Elysia does not type it in a macro's own hooks.
        beforeHandle({ user }: { user?: AuthUser; request: Request }) {
          if (!user || RANK[user.role] < RANK[rule.min]) throw forbidden(rule.refusal);
        },
      }),
      audit(action: string) {
        const record = ({ request, user, set, params, body, requestId, client }: AuditedCall) => {
          // Never authenticated (401, 422 of a malformed call, 429 of the rate limit): nobody to name.
          if (!user || !client) return;
          void audit.record({
            actor: user.username,
            action,
            target: (params as Record<string, string> | undefined)?.id ?? null,
            ...audit.origin(request, client),
            requestId,
            details: { status: Number(set.status ?? 200), ...(isAuditableBody(body) ? { request: body } : {}) },
          });
        };
        auditActions.set(record, action);
        return { auth: true, afterResponse: record };
      },
    });
}

/** What the token check reads of a request. */
interface TokenCheckContext {
  headers: Record<string, string | undefined>;
  set: { headers: Record<string, string | number> };
  request: Request;
  path: string;
  body: unknown;
  client?: ClientOrigin;
}

/** What the audit hook reads of a call; `user` is absent when authentication failed. */
interface AuditedCall {
  request: Request;
  user?: { username: string };
  set: { status?: number | string };
  params?: unknown;
  body: unknown;
  requestId?: string;
  client?: { ip: string };
}

export type AuthPlugin = ReturnType<typeof authPlugin>;
