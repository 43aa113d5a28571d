import { type Static, Type as t } from "@sinclair/typebox";
import { Id } from "./primitives.ts";
import { Alert } from "./trading.ts";

/**
 * The external channels an alert can go to (in-app delivery is always on).
 * `push` is Web Push to the user's own installed PWAs (their subscriptions);
 * the others are the platform's one address each.
 */
export const NotificationChannel = t.Union([
  t.Literal("webhook"),
  t.Literal("email"),
  t.Literal("telegram"),
  t.Literal("push"),
]);
export type NotificationChannel = Static<typeof NotificationChannel>;

const ClockTime = t.String({ pattern: "^([01]\\d|2[0-3]):[0-5]\\d$", description: "HH:MM, 24-hour clock" });

/**
 * A user's notification rule: which alert kinds go to which channels, and the
 * quiet hours (local time in `timeZone`) in which only CRITICAL alerts go out.
 * `from` after `to` spans midnight (22:00 to 07:00); equal times are refused.
 */
export const NotificationRule = t.Object(
  {
    routes: t.Array(
      t.Object(
        { kind: Alert.properties.kind, channels: t.Array(NotificationChannel, { maxItems: 4, uniqueItems: true }) },
        { additionalProperties: false },
      ),
      { maxItems: 16 },
    ),
    quietHours: t.Union([
      t.Object(
        {
          from: ClockTime,
          to: ClockTime,
          timeZone: t.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_+/-]+$" }),
        },
        { additionalProperties: false },
      ),
      t.Null(),
    ]),
  },
  { additionalProperties: false, title: "notification rule" },
);
export type NotificationRule = Static<typeof NotificationRule>;

/** A stored rule as the API shows it: whose, which version (send it back to change it), and the rule. */
export const NotificationRuleView = t.Object({
  user: Id,
  /** 0 when the user has no rule of their own yet (nothing goes out for them). */
  version: t.Integer({ minimum: 0 }),
  rule: NotificationRule,
});
export type NotificationRuleView = Static<typeof NotificationRuleView>;

/** rpc notify.rules.get: whose rule. */
export const NotificationRulesQuery = t.Object({ user: Id });
export type NotificationRulesQuery = Static<typeof NotificationRulesQuery>;

/** rpc notify.rules.set: the version read (0 for a user with no rule yet) guards against lost updates. */
export const NotificationRuleSet = t.Object(
  { user: Id, version: t.Integer({ minimum: 0 }), rule: NotificationRule },
  { additionalProperties: false },
);
export type NotificationRuleSet = Static<typeof NotificationRuleSet>;

/** The roles a Telegram link acts with (the gateway's user roles). */
export const TelegramRole = t.Union([t.Literal("admin"), t.Literal("trader"), t.Literal("viewer")]);
export type TelegramRole = Static<typeof TelegramRole>;

/** rpc notify.telegram.link-code: the gateway names the caller and the role they have now. */
export const TelegramLinkRequest = t.Object({ user: Id, role: TelegramRole }, { additionalProperties: false });
export type TelegramLinkRequest = Static<typeof TelegramLinkRequest>;

/** rpc auth.user-state: the gateway's user, asked by name. */
export const UserStateQuery = t.Object({ username: Id }, { additionalProperties: false });
export type UserStateQuery = Static<typeof UserStateQuery>;

/** The user's role and disabled flag now; null when there is no such user. */
export const UserStateReply = t.Union([t.Object({ role: TelegramRole, disabled: t.Boolean() }), t.Null()]);
export type UserStateReply = Static<typeof UserStateReply>;

/** A one-time code: sent to the bot as `/link <code>` before `expiresAt` (ISO 8601), it links that chat to the user. */
export const TelegramLinkCode = t.Object({ code: t.String(), expiresAt: t.String() });
export type TelegramLinkCode = Static<typeof TelegramLinkCode>;

/** rpc notify.telegram.unlink: forget every chat linked to the user. */
export const TelegramUnlinkRequest = t.Object({ user: Id }, { additionalProperties: false });
export type TelegramUnlinkRequest = Static<typeof TelegramUnlinkRequest>;

export const TelegramUnlinkReply = t.Object({ unlinked: t.Integer({ minimum: 0 }) });
export type TelegramUnlinkReply = Static<typeof TelegramUnlinkReply>;

/** Unpadded base64url of exactly `bytes` bytes (what PushSubscription.toJSON() gives). */
const base64url = (bytes: number, what: string) =>
  t.String({
    // 4 characters per 3 bytes, the last group cut short without padding.
    pattern: `^[A-Za-z0-9_-]{${Math.ceil((bytes * 4) / 3)}}$`,
    description: `${what}: ${bytes} bytes, base64url without padding`,
  });

/**
 * A browser's Web Push subscription (PushSubscription.toJSON()): the push
 * service's https endpoint, the browser's P-256 public key (65 bytes,
 * uncompressed) and the 16-byte auth secret of RFC 8291.
 */
export const PushSubscriptionBody = t.Object(
  {
    endpoint: t.String({ pattern: "^https://[^\\s/?#]+[^\\s]*$", maxLength: 2048, description: "https URL" }),
    expirationTime: t.Optional(t.Union([t.Number(), t.Null()])),
    keys: t.Object(
      { p256dh: base64url(65, "P-256 public key, uncompressed"), auth: base64url(16, "auth secret") },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false, title: "push subscription" },
);
export type PushSubscriptionBody = Static<typeof PushSubscriptionBody>;

/** rpc notify.push.subscribe: whose subscription (admins get every account's alerts). */
export const PushSubscribe = t.Object(
  { user: Id, admin: t.Boolean(), subscription: PushSubscriptionBody },
  { additionalProperties: false },
);
export type PushSubscribe = Static<typeof PushSubscribe>;

/** rpc notify.push.unsubscribe: a user removes one of their own subscriptions, named by its endpoint. */
export const PushUnsubscribe = t.Object(
  { user: Id, endpoint: t.String({ minLength: 1, maxLength: 2048 }) },
  { additionalProperties: false },
);
export type PushUnsubscribe = Static<typeof PushUnsubscribe>;

/** The VAPID public key the browser subscribes with (applicationServerKey): 65 bytes, base64url. */
export const PushVapidKey = t.Object({ publicKey: t.String(), enabled: t.Boolean() });
export type PushVapidKey = Static<typeof PushVapidKey>;
