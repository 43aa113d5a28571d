import { NotificationRule, type NotificationRuleView, RpcReplies, Subjects } from "@jts/contracts";
import { AppError, notFound, type RpcClient } from "@jts/kit";
import { Elysia, t } from "elysia";
import type { AuthUser } from "../auth/users.ts";
import { IdParams } from "../model.ts";

/** PUT body: the rule, and the version the client read (0 when it had none), so two editors never lose a change. */
export const NotificationRuleBody = t.Object(
  { version: t.Integer({ minimum: 0 }), rule: NotificationRule },
  { additionalProperties: false },
);

export interface NotificationRuleDeps {
  call: RpcClient["call"];
  /** Whether a user exists: an admin's rule for a mistyped name would look set and reach nobody. */
  userExists(username: string): Promise<boolean>;
}

/**
 * The user the gateway's authentication (its `.resolve`, mounted before this
 * plugin) put on the request. Absent means the plugin was mounted ahead of
 * authentication: refuse rather than serve anyone.
 */
const userOf = (context: object): AuthUser => {
  const user = (context as { user?: AuthUser }).user;
  if (!user) throw new AppError("UNAUTHORIZED", "missing, invalid or expired access token");
  return user;
};

/**
 * /api/notification-rules: which alert kinds go to which channels, and quiet
 * hours, per user. Everyone reads and edits their own rule (viewers too: it
 * trades nothing); an admin reads and edits anyone's; anyone else gets 403.
 * Bodies are checked here (422, nothing changed) and again by the
 * notification service, which also refuses channels the platform has not
 * configured, and a stale version (409).
 */
export function notificationRuleRoutes({ call, userExists }: NotificationRuleDeps) {
  const reachable = async (caller: AuthUser, username: string) => {
    if (caller.username === username) return;
    if (caller.role !== "admin") throw new AppError("FORBIDDEN", "only an admin reads or edits another user's rules");
    if (!(await userExists(username))) throw notFound(`user ${username}`);
  };
  const read = async (caller: AuthUser, username: string): Promise<NotificationRuleView> => {
    await reachable(caller, username);
    return call(Subjects.notificationRulesGet, { user: username });
  };
  const write = async (caller: AuthUser, username: string, body: typeof NotificationRuleBody.static) => {
    await reachable(caller, username);
    return call(Subjects.notificationRulesSet, { user: username, ...body }, { actor: caller.username });
  };
  const view = { response: RpcReplies[Subjects.notificationRulesGet] };

  return new Elysia({ name: "gateway.notification-rules", prefix: "/api/notification-rules" })
    .get("", (context) => read(userOf(context), userOf(context).username), {
      ...view,
      detail: { description: "The caller's own notification rule (version 0 and no routes when they have none)." },
    })
    .put("", ({ body, ...context }) => write(userOf(context), userOf(context).username, body), {
      ...view,
      body: NotificationRuleBody,
      detail: {
        description:
          "Replaces the caller's notification rule. `version` is the one read (0 for none yet): a stale one is 409. Channels must be configured on the platform (422 otherwise). In quiet hours only CRITICAL alerts go out.",
      },
    })
    .get("/:id", ({ params, ...context }) => read(userOf(context), params.id), {
      ...view,
      params: IdParams,
      detail: { description: "A user's notification rule: the user themselves or an admin (403 otherwise)." },
    })
    .put("/:id", ({ params, body, ...context }) => write(userOf(context), params.id, body), {
      ...view,
      params: IdParams,
      body: NotificationRuleBody,
      detail: { description: "Replaces a user's notification rule: the user themselves or an admin (403 otherwise)." },
    });
}
