import { NotificationRule, type NotificationRuleView, RpcReplies, Subjects } from "@jts/contracts";
import { notFound } from "@jts/kit";
import { Elysia, t } from "elysia";
import { forbidden } from "../auth/access.ts";
import type { AuthUser } from "../auth/users.ts";
import { IdParams } from "../model.ts";
import type { RouteContext } from "./context.ts";

/** PUT body: the rule, and the version the client read (0 when it had none), so two editors never lose a change. */
export const NotificationRuleBody = t.Object(
  { version: t.Integer({ minimum: 0 }), rule: NotificationRule },
  { additionalProperties: false },
);

export interface NotificationRuleDeps {
  /** Whether a user exists: an admin's rule for a mistyped name would look set and reach nobody. */
  userExists(username: string): Promise<boolean>;
}

/**
 * /api/notification-rules: which alert kinds go to which channels, and quiet
 * hours, per user. Everyone reads and edits their own rule (viewers too: it
 * trades nothing); an admin reads and edits anyone's; anyone else gets 403.
 * Bodies are checked here (422, nothing changed) and again by the
 * notification service, which also refuses channels the platform has not
 * configured, and a stale version (409).
 */
export function notificationRuleRoutes({ auth, call }: RouteContext, { userExists }: NotificationRuleDeps) {
  const reachable = async (caller: AuthUser, username: string) => {
    if (caller.username === username) return;
    if (caller.role !== "admin") throw forbidden("only an admin reads or edits another user's rules");
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

  return new Elysia({ prefix: "/api/notification-rules" })
    .use(auth)
    .get("", ({ user }) => read(user, user.username), {
      auth: true,
      ...view,
      detail: { description: "The caller's own notification rule (version 0 and no routes when they have none)." },
    })
    .put("", ({ user, body }) => write(user, user.username, body), {
      audit: "notification.set-rule",
      ...view,
      body: NotificationRuleBody,
      detail: {
        description:
          "Replaces the caller's notification rule. `version` is the one read (0 for none yet): a stale one is 409. Channels must be configured on the platform (422 otherwise). In quiet hours only CRITICAL alerts go out.",
      },
    })
    .get("/:id", ({ user, params }) => read(user, params.id), {
      auth: true,
      ...view,
      params: IdParams,
      detail: { description: "A user's notification rule: the user themselves or an admin (403 otherwise)." },
    })
    .put("/:id", ({ user, params, body }) => write(user, params.id, body), {
      audit: "notification.set-rule",
      ...view,
      params: IdParams,
      body: NotificationRuleBody,
      detail: { description: "Replaces a user's notification rule: the user themselves or an admin (403 otherwise)." },
    });
}
