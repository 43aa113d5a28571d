/**
 * Every text of the notification-rules panel, in one place so a translation
 * (the i18n work) replaces this file's values and nothing else.
 */
export const alertRuleStrings = {
  title: "Notification rules",
  intro: "Which alerts reach you outside the app, and where. Alerts always appear in the app.",
  kindColumn: "Alert",
  channels: { webhook: "Webhook", email: "Email", telegram: "Telegram", push: "Push" },
  kinds: {
    ORDER_REJECTED: "Order rejected",
    ORDER_FILLED: "Order filled",
    TRADING_STATE: "Trading state (halt, resume)",
    SYSTEM: "System",
    LOSS_THRESHOLD: "Loss threshold",
    VENUE_DISCONNECTED: "Venue disconnected",
    ACCOUNT_MODE: "Account armed or disarmed",
    STOP_TRIGGERED: "Stop triggered",
  },
  quietHours: "Quiet hours (only critical alerts go out)",
  quietFrom: "From",
  quietTo: "To",
  timeZone: "Time zone",
  save: "Save rules",
  saving: "Saving…",
  loading: "Loading rules…",
  saved: (version: number) => `Rules saved (version ${version})`,
  stale: "Someone changed these rules meanwhile: they were reloaded, apply your change again",
} as const;
