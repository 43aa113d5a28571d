import { afterEach, describe, expect, test } from "bun:test";

const { flush, mount, useDom } = await import("./dom.ts");
useDom(); // also puts the real fetch back after this file

/** What the gateway was asked, and its answers: the toggle goes through the real api.ts (Eden). */
let calls: Array<{ method: string; path: string; body: unknown }> = [];
let pushEnabled = true;
const VAPID_KEY = "BInSJbAZ0GhSb6W0ZhVbY0ACqDuKVPgooOSVxOM6On5ol5Uyzm8s0PUp0FwrI5FDlT6_BifVO996Nnx-htBqql8";
globalThis.fetch = (async (input: RequestInfo | URL, init: RequestInit = {}) => {
  const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url, location.href);
  const method = init.method ?? "GET";
  const body = typeof init.body === "string" ? JSON.parse(init.body) : undefined;
  calls.push({ method, path: url.pathname, body });
  if (url.pathname === "/api/push/vapid-public-key")
    return Response.json({ publicKey: pushEnabled ? VAPID_KEY : "", enabled: pushEnabled });
  if (method === "POST") return Response.json({ endpoint: body.endpoint, created: true });
  return Response.json({ removed: true });
}) as typeof fetch;

/** The browser: Notification permission, the service worker's pushManager and its one subscription. */
const browser = {
  permission: "default" as NotificationPermission,
  answer: "granted" as NotificationPermission,
  asked: 0,
  subscribedWith: [] as PushSubscriptionOptionsInit[],
  unsubscribed: 0,
  subscription: null as FakeSubscription | null,
};
interface FakeSubscription {
  endpoint: string;
  options: { applicationServerKey: ArrayBuffer };
  toJSON(): unknown;
  unsubscribe(): Promise<boolean>;
}
const json = (endpoint: string) => ({
  endpoint,
  expirationTime: null,
  keys: {
    p256dh: "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
    auth: "BTBZMqHH6r4Tts7J_aSIgg",
  },
});
function fakeSubscription(endpoint: string, key: ArrayBuffer): FakeSubscription {
  return {
    endpoint,
    options: { applicationServerKey: key },
    toJSON: () => json(endpoint),
    unsubscribe: async () => {
      browser.unsubscribed++;
      browser.subscription = null;
      return true;
    },
  };
}
const pushManager = {
  getSubscription: async () => browser.subscription,
  subscribe: async (options: PushSubscriptionOptionsInit) => {
    browser.subscribedWith.push(options);
    browser.subscription = fakeSubscription(
      "https://fcm.googleapis.com/fcm/send/device-1",
      (options.applicationServerKey as Uint8Array).slice().buffer as ArrayBuffer,
    );
    return browser.subscription;
  },
};
function installBrowser(supported = true) {
  Object.defineProperty(navigator, "serviceWorker", {
    value: { ready: Promise.resolve({ pushManager }) },
    configurable: true,
  });
  (globalThis as Record<string, unknown>).PushManager = supported ? class {} : undefined;
  (globalThis as Record<string, unknown>).Notification = {
    get permission() {
      return browser.permission;
    },
    requestPermission: async () => {
      browser.asked++;
      browser.permission = browser.answer;
      return browser.answer;
    },
  };
}

const { PushToggle } = await import("../src/screens/push-toggle.tsx");
const { keyBytes } = await import("../src/lib/push.ts");

afterEach(() => {
  calls = [];
  pushEnabled = true;
  Object.assign(browser, { permission: "default", answer: "granted", asked: 0, subscribedWith: [], unsubscribed: 0 });
  browser.subscription = null;
});

async function mountToggle() {
  const t = mount(() => PushToggle());
  for (let i = 0; i < 6; i++) await flush();
  const toggle = t.$<HTMLInputElement>('input[name="push"]');
  const status = () => t.$<HTMLElement>('[role="status"]');
  const flip = async (on: boolean) => {
    toggle.checked = on;
    toggle.dispatchEvent(new Event("change", { bubbles: true }));
    for (let i = 0; i < 8; i++) await flush();
  };
  return { ...t, toggle, status, flip };
}
const posts = () => calls.filter((c) => c.path === "/api/push/subscriptions");

describe("push notifications toggle (alerts screen)", () => {
  test("switching on asks permission, subscribes with the platform's VAPID key and posts the subscription", async () => {
    installBrowser();
    const t = await mountToggle();
    expect(t.toggle.checked).toBe(false);
    expect(t.status().dataset.state).toBe("disabled");
    await t.flip(true);
    expect(browser.asked).toBe(1);
    expect(browser.subscribedWith).toHaveLength(1);
    expect(browser.subscribedWith[0]?.userVisibleOnly).toBe(true);
    const key = browser.subscribedWith[0]?.applicationServerKey as Uint8Array;
    expect(Buffer.from(key).toString("base64url")).toBe(VAPID_KEY);
    expect(posts()).toEqual([
      { method: "POST", path: "/api/push/subscriptions", body: json("https://fcm.googleapis.com/fcm/send/device-1") },
    ]);
    expect(t.toggle.checked).toBe(true);
    expect(t.status().dataset.state).toBe("enabled");
  });

  test("switching off unsubscribes this browser and deletes its subscription at the gateway", async () => {
    installBrowser();
    browser.permission = "granted";
    browser.subscription = fakeSubscription("https://fcm.googleapis.com/fcm/send/old", keyBytes(VAPID_KEY).buffer);
    const t = await mountToggle();
    // An existing subscription is posted again on load, so it follows whoever is signed in now.
    expect(posts().map((c) => c.method)).toEqual(["POST"]);
    expect(t.toggle.checked).toBe(true);
    await t.flip(false);
    expect(browser.unsubscribed).toBe(1);
    expect(posts().at(-1)).toEqual({
      method: "DELETE",
      path: "/api/push/subscriptions",
      body: { endpoint: "https://fcm.googleapis.com/fcm/send/old" },
    });
    expect(t.status().dataset.state).toBe("disabled");
  });

  test("a refused permission says how to undo it and registers nothing", async () => {
    installBrowser();
    browser.answer = "denied";
    const t = await mountToggle();
    await t.flip(true);
    expect(browser.subscribedWith).toEqual([]);
    expect(posts()).toEqual([]);
    expect(t.status().dataset.state).toBe("blocked");
    expect(t.status().textContent).toContain("site settings");
  });

  test("a platform without VAPID keys, or a browser without push, disables the switch and says why", async () => {
    installBrowser();
    pushEnabled = false;
    const off = await mountToggle();
    expect(off.toggle.disabled).toBe(true);
    expect(off.status().dataset.state).toBe("off-on-platform");
    installBrowser(false);
    calls = [];
    const unsupported = await mountToggle();
    expect(unsupported.toggle.disabled).toBe(true);
    expect(unsupported.status().dataset.state).toBe("unsupported");
    expect(calls).toEqual([]);
  });

  test("decodes the base64url VAPID key to its 65 bytes", () => {
    const bytes = keyBytes(VAPID_KEY);
    expect(bytes.length).toBe(65);
    expect(bytes[0]).toBe(4);
  });
});
