import { PushSubscriptionBody, RpcReplies, Subjects } from "@jts/contracts";
import { Elysia, t } from "elysia";
import type { RouteContext } from "./context.ts";

/** DELETE body: which of the caller's subscriptions to remove (what PushSubscription.endpoint says). */
export const PushUnsubscribeBody = t.Object(
  { endpoint: PushSubscriptionBody.properties.endpoint },
  { additionalProperties: false },
);

/**
 * /api/push: Web Push for the installed PWA. The browser fetches the VAPID
 * public key, subscribes through its service worker and posts the
 * subscription here; which alert kinds it receives is the user's notification
 * rule (channel `push`). Every user manages their own subscriptions only: the
 * user is the token's, never the body's, and the notification service answers
 * 404 for an endpoint that is not the caller's. Bodies are checked here (422:
 * an https endpoint, keys of 65 and 16 bytes in base64url).
 */
export function pushRoutes({ auth, call }: RouteContext) {
  return new Elysia({ prefix: "/api/push" })
    .use(auth)
    .get("/vapid-public-key", () => call(Subjects.pushVapidKey, {}), {
      auth: true,
      response: RpcReplies[Subjects.pushVapidKey],
      detail: {
        description:
          "The VAPID public key to subscribe with (applicationServerKey); `enabled` is false when the platform has no VAPID keys.",
      },
    })
    .post(
      "/subscriptions",
      ({ user, body }) =>
        call(
          Subjects.pushSubscribe,
          { user: user.username, admin: user.role === "admin", subscription: body },
          { actor: user.username },
        ),
      {
        audit: "push.subscribe",
        body: PushSubscriptionBody,
        response: RpcReplies[Subjects.pushSubscribe],
        detail: {
          description:
            "Stores the caller's browser push subscription (PushSubscription.toJSON()); the same endpoint again replaces it. 503 when push is off.",
        },
      },
    )
    .delete(
      "/subscriptions",
      ({ user, body }) =>
        call(Subjects.pushUnsubscribe, { user: user.username, endpoint: body.endpoint }, { actor: user.username }),
      {
        audit: "push.unsubscribe",
        body: PushUnsubscribeBody,
        response: RpcReplies[Subjects.pushUnsubscribe],
        detail: { description: "Removes one of the caller's own push subscriptions (404 for any other endpoint)." },
      },
    );
}
