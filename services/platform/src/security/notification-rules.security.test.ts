import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { NotificationRuleView } from "@jts/contracts";
import { bootSecurityPlatform, errorOf, type SecurityPlatform } from "./harness.ts";

// Issue 19: notification rules editable at run time through the gateway, per user.
let p: SecurityPlatform;
beforeAll(async () => {
  p = await bootSecurityPlatform();
});
afterAll(() => p?.stop());

const quiet = { routes: [], quietHours: { from: "22:00", to: "07:00", timeZone: "Asia/Seoul" } };

describe("notification rules through the gateway (issue 19)", () => {
  it("lets a user edit their own rule end to end, refuses another user's (403) and bad rules (422), changing nothing", async () => {
    const trader = await p.addUser("rules-trader", "trader");
    const own = await p.json<NotificationRuleView>("/api/notification-rules", { token: trader });
    expect(own).toEqual({
      status: 200,
      body: { user: "rules-trader", version: 0, rule: { routes: [], quietHours: null } },
    });
    const set = await p.json<NotificationRuleView>("/api/notification-rules", {
      method: "PUT",
      token: trader,
      body: { version: 0, rule: quiet },
    });
    expect(set).toEqual({ status: 200, body: { user: "rules-trader", version: 1, rule: quiet } });

    // No channel is configured on this platform: the notification service refuses one, as 422.
    const unconfigured = await p.json("/api/notification-rules", {
      method: "PUT",
      token: trader,
      body: { version: 1, rule: { routes: [{ kind: "ORDER_FILLED", channels: ["email"] }], quietHours: null } },
    });
    expect(unconfigured.status).toBe(422);
    expect(errorOf(unconfigured.body)?.message).toContain("channel email is not configured");
    expect((await p.json("/api/notification-rules/admin", { token: trader })).status).toBe(403);
    expect(
      (
        await p.json("/api/notification-rules/admin", {
          method: "PUT",
          token: trader,
          body: { version: 1, rule: quiet },
        })
      ).status,
    ).toBe(403);
    expect((await p.json<NotificationRuleView>("/api/notification-rules", { token: trader })).body.version).toBe(1);

    // The admin reads and edits anyone's, and its own was seeded from the environment.
    const theirs = await p.json<NotificationRuleView>("/api/notification-rules/rules-trader", { token: p.admin });
    expect(theirs.body.rule).toEqual(quiet);
    expect((await p.json<NotificationRuleView>("/api/notification-rules", { token: p.admin })).body.version).toBe(1);
  });
});
