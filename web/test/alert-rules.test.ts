import { afterEach, describe, expect, test } from "bun:test";
import type { NotificationRuleView } from "@jts/contracts";

const { flush, mount, useDom } = await import("./dom.ts");
useDom(); // also puts the real fetch back after this file

/** What the gateway was asked, and its answers: the panel goes through the real api.ts (Eden). */
let calls: Array<{ method: string; path: string; body: unknown }> = [];
let answer: (method: string) => Response = () => new Response("no handler", { status: 500 });
globalThis.fetch = (async (input: RequestInfo | URL, init: RequestInit = {}) => {
  const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url, location.href);
  const method = init.method ?? "GET";
  calls.push({ method, path: url.pathname, body: typeof init.body === "string" ? JSON.parse(init.body) : undefined });
  return answer(method);
}) as typeof fetch;

const { NotificationRules } = await import("../src/screens/alert-rules.tsx");

const stored: NotificationRuleView = {
  user: "alice",
  version: 3,
  rule: {
    routes: [{ kind: "TRADING_STATE", channels: ["telegram", "email"] }],
    quietHours: { from: "23:00", to: "06:30", timeZone: "Asia/Seoul" },
  },
};

afterEach(() => {
  calls = [];
});

async function mountPanel() {
  const t = mount(() => NotificationRules());
  await flush();
  await flush();
  const box = (name: string) => t.$<HTMLInputElement>(`input[name="${name}"]`);
  const tick = (name: string, on: boolean) => {
    const input = box(name);
    input.checked = on;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  };
  const save = async () => {
    t.submit();
    await flush();
    await flush();
    await flush();
  };
  return { ...t, box, tick, save };
}

describe("notification rules panel (alerts screen)", () => {
  test("lists the user's rule: routed channels ticked, quiet hours filled in", async () => {
    answer = () => Response.json(stored);
    const t = await mountPanel();
    expect(calls).toEqual([{ method: "GET", path: "/api/notification-rules", body: undefined }]);
    expect(t.box("route-TRADING_STATE-telegram").checked).toBe(true);
    expect(t.box("route-TRADING_STATE-email").checked).toBe(true);
    expect(t.box("route-TRADING_STATE-webhook").checked).toBe(false);
    expect(t.box("route-ORDER_FILLED-telegram").checked).toBe(false);
    expect(t.box("quiet").checked).toBe(true);
    expect(t.box("quiet-from").value).toBe("23:00");
    expect(t.box("quiet-to").value).toBe("06:30");
    expect(t.box("quiet-zone").value).toBe("Asia/Seoul");
  });

  test("saves the edited rule whole, with the version it read", async () => {
    answer = (method) =>
      method === "GET" ? Response.json(stored) : Response.json({ ...stored, version: 4, rule: stored.rule });
    const t = await mountPanel();
    t.tick("route-ORDER_FILLED-webhook", true);
    t.tick("route-TRADING_STATE-email", false);
    t.type("quiet-from", "22:00");
    await t.save();
    expect(calls.find((c) => c.method === "PUT")).toEqual({
      method: "PUT",
      path: "/api/notification-rules",
      body: {
        version: 3,
        rule: {
          routes: [
            { kind: "ORDER_FILLED", channels: ["webhook"] },
            { kind: "TRADING_STATE", channels: ["telegram"] },
          ],
          quietHours: { from: "22:00", to: "06:30", timeZone: "Asia/Seoul" },
        },
      },
    });
    expect(t.$("[role=status]").textContent).toBe("Rules saved (version 4)");
    // The next save builds on the version just saved, without reading again.
    await t.save();
    expect(calls.filter((c) => c.method === "PUT").map((c) => (c.body as { version: number }).version)).toEqual([3, 4]);
    expect(calls.filter((c) => c.method === "GET")).toHaveLength(1);
  });

  test("turning quiet hours off sends none", async () => {
    answer = (method) => (method === "GET" ? Response.json(stored) : Response.json({ ...stored, version: 4 }));
    const t = await mountPanel();
    t.tick("quiet", false);
    expect(t.box("quiet-from")).toBeNull();
    await t.save();
    const sent = calls.find((c) => c.method === "PUT")?.body as { rule: { quietHours: unknown } } | undefined;
    expect(sent?.rule.quietHours).toBeNull();
  });

  test("shows the gateway's reason when it refuses the rule, and reloads after a stale version", async () => {
    let put = 0;
    answer = (method) => {
      if (method === "GET") return Response.json(stored);
      put++;
      return put === 1
        ? Response.json(
            {
              error: {
                code: "VALIDATION",
                message: "invalid notification rule: routes: channel email is not configured on this platform",
              },
            },
            { status: 422 },
          )
        : Response.json({ error: { code: "CONFLICT", message: "stale" } }, { status: 409 });
    };
    const t = await mountPanel();
    await t.save();
    expect(t.$("[role=alert]").textContent).toContain("channel email is not configured");
    const gets = calls.filter((c) => c.method === "GET").length;
    await t.save();
    await flush();
    expect(calls.filter((c) => c.method === "GET").length).toBe(gets + 1);
    expect(t.$("[role=alert]").textContent).toContain("Someone changed these rules meanwhile");
  });
});
