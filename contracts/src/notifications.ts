import { type Static, Type as t } from "@sinclair/typebox";
import { Id } from "./primitives.ts";
import { Alert } from "./trading.ts";

/** The external channels an alert can go to (in-app delivery is always on). */
export const NotificationChannel = t.Union([t.Literal("webhook"), t.Literal("email"), t.Literal("telegram")]);
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
        { kind: Alert.properties.kind, channels: t.Array(NotificationChannel, { maxItems: 3, uniqueItems: true }) },
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
