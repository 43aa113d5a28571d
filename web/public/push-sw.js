/*
 * Web Push in the service worker: imported into the one vite-plugin-pwa
 * generates (workbox importScripts in vite.config.ts). The payload is the
 * notification service's PushPayload (services/notification-service/src/push/channel.ts):
 * {id, kind, severity, title, body, account, url}, already decrypted by the browser.
 */
self.addEventListener("push", (event) => {
  let alert;
  try {
    alert = event.data ? event.data.json() : null;
  } catch {
    alert = null;
  }
  const title = typeof alert?.title === "string" ? alert.title : "JTS alert";
  event.waitUntil(
    self.registration.showNotification(title, {
      body: typeof alert?.body === "string" ? alert.body : "",
      // One notification per alert; a repeat of the same alert replaces it instead of stacking.
      tag: alert?.id ? `jts-${alert.id}` : undefined,
      icon: "/icon-192.png",
      badge: "/icon-192.png",
      // A HALT or a venue down stays on screen until the trader dismisses it.
      requireInteraction: alert?.severity === "CRITICAL",
      data: { url: typeof alert?.url === "string" && alert.url.startsWith("/") ? alert.url : "/" },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL(event.notification.data?.url ?? "/", self.location.origin);
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      // An open app window is focused (and shown the alerts); otherwise the app is opened.
      const open = windows.find((w) => new URL(w.url).origin === url.origin);
      if (open) {
        await open.focus();
        if ("navigate" in open) await open.navigate(url.href).catch(() => {});
        return;
      }
      await self.clients.openWindow(url.href);
    })(),
  );
});
