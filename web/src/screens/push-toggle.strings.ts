/**
 * Every text of the push-notifications toggle, in one place so a translation
 * (the i18n work) replaces this file's values and nothing else.
 */
export const pushToggleStrings = {
  title: "Push notifications",
  label: "Notify this device",
  intro:
    "Alerts reach this device even when the app is closed. Which kinds: tick the Push column in the notification rules below.",
  checking: "Checking this browser…",
  states: {
    unsupported:
      "This browser cannot receive push notifications here (on iPhone and iPad: add JTS to the home screen first).",
    "off-on-platform": "Push notifications are not set up on this platform (the operator sets VAPID keys).",
    blocked: "Notifications are blocked for this site: allow them in the browser's site settings, then try again.",
    disabled: "Off on this device.",
    enabled: "On: this device receives the alerts your rules route to Push.",
  },
  working: "Working…",
} as const;
