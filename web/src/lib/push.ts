/**
 * Web Push in the browser: permission, the service worker's pushManager and
 * the gateway's /api/push. The service worker (vite-plugin-pwa's, with
 * public/push-sw.js imported into it) shows each push as a notification and
 * opens the app on a click. Which alert kinds arrive is the notification rule
 * (channel "push"); this only gives the platform somewhere to send them.
 */
import type { PushSubscriptionBody } from "@jts/contracts";
import { deletePushSubscription, getPushKey, savePushSubscription } from "./api.ts";

export type PushState =
  /** No service worker, PushManager or Notification here (an iOS Safari tab not added to the home screen, http). */
  | "unsupported"
  /** The platform has no VAPID keys. */
  | "off-on-platform"
  /** The user refused notifications for this site: only the browser's settings can undo it. */
  | "blocked"
  | "disabled"
  | "enabled";

export function pushSupported(): boolean {
  return (
    typeof navigator !== "undefined" &&
    "serviceWorker" in navigator &&
    typeof PushManager !== "undefined" &&
    typeof Notification !== "undefined"
  );
}

/** The base64url VAPID key as the bytes pushManager.subscribe wants. */
export function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = base64url
    .replace(/-/g, "+")
    .replace(/_/g, "/")
    .padEnd(Math.ceil(base64url.length / 4) * 4, "=");
  const binary = atob(base64);
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const registration = () => navigator.serviceWorker.ready;

/** Where this browser stands; an existing subscription is posted again, so it follows the signed-in user. */
export async function pushState(): Promise<PushState> {
  if (!pushSupported()) return "unsupported";
  const { enabled } = await getPushKey();
  if (!enabled) return "off-on-platform";
  if (Notification.permission === "denied") return "blocked";
  const subscription = await (await registration()).pushManager.getSubscription();
  if (!subscription || Notification.permission !== "granted") return "disabled";
  await savePushSubscription(subscription.toJSON() as PushSubscriptionBody);
  return "enabled";
}

/** Asks permission, subscribes with the platform's VAPID key and registers the subscription with the gateway. */
export async function enablePush(): Promise<PushState> {
  const { publicKey, enabled } = await getPushKey();
  if (!enabled) return "off-on-platform";
  const permission = await Notification.requestPermission();
  if (permission === "denied") return "blocked";
  if (permission !== "granted") return "disabled";
  const { pushManager } = await registration();
  const existing = await pushManager.getSubscription();
  const key = keyBytes(publicKey);
  // A subscription made with another key (the platform's keys were rotated) cannot be used: replace it.
  if (existing && !sameKey(existing.options.applicationServerKey, key)) await existing.unsubscribe();
  const subscription =
    (existing && sameKey(existing.options.applicationServerKey, key) ? existing : null) ??
    (await pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }));
  await savePushSubscription(subscription.toJSON() as PushSubscriptionBody);
  return "enabled";
}

/** Unsubscribes this browser and tells the gateway; the other devices keep theirs. */
export async function disablePush(): Promise<PushState> {
  const subscription = await (await registration()).pushManager.getSubscription();
  if (subscription) {
    const { endpoint } = subscription;
    await subscription.unsubscribe();
    await deletePushSubscription(endpoint).catch(() => {
      // Already gone on the server (removed after a 410, or by another tab): nothing left to do.
    });
  }
  return "disabled";
}

function sameKey(given: ArrayBuffer | null, key: Uint8Array): boolean {
  if (!given) return false;
  const bytes = new Uint8Array(given);
  return bytes.length === key.length && bytes.every((b, i) => b === key[i]);
}
