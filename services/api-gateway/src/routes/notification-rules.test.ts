import { beforeAll, describe, expect, it } from "bun:test";
import { type NotificationRule, type NotificationRuleView, Subjects } from "@jts/contracts";
import { AppError, MemoryAuditLog, memoryRuntime } from "@jts/kit";
import { eventually, readJson, silentLogger } from "@jts/kit/testing";
import { MemoryUserDirectory } from "../auth/users.ts";
import { createGatewayService } from "../service.ts";
import { gatewayClient, gatewayTestSettings } from "../testing/client.ts";

const settings = gatewayTestSettings("rules-routes-test-secret-rules-routes-test");
const users = new MemoryUserDirectory();
const audit = new MemoryAuditLog();
const runtime = memoryRuntime(silentLogger);
const gateway = createGatewayService(runtime, users, settings, { audit });

/** The notification service as the gateway sees it: rules by user, version-checked; what it was asked. */
const stored = new Map<string, { version: number; rule: NotificationRule }>();
const sets: Array<{ request: unknown; actor: string | undefined }> = [];
const none: NotificationRule = { routes: [], quietHours: null };
const rule: NotificationRule = {
  routes: [{ kind: "TRADING_STATE", channels: ["telegram"] }],
  quietHours: { from: "22:00", to: "07:00", timeZone: "Asia/Seoul" },
};

const { request, login } = gatewayClient(gateway);

let alice = "";
let viewer = "";
let root = "";

beforeAll(async () => {
  await users.add("alice", "alice-password-1", "trader");
  await users.add("vic", "vic-password-123", "viewer");
  await users.add("root", "root-password-12", "admin");
  await runtime.rpc.serve(Subjects.notificationRulesGet, (req): NotificationRuleView => {
    const user = (req as { user: string }).user;
    const held = stored.get(user);
    return { user, version: held?.version ?? 0, rule: held?.rule ?? none };
  });
  await runtime.rpc.serve(Subjects.notificationRulesSet, (req, { actor }): NotificationRuleView => {
    sets.push({ request: req, actor });
    const { user, version, rule: next } = req as { user: string; version: number; rule: NotificationRule };
    if ((stored.get(user)?.version ?? 0) !== version) throw new AppError("CONFLICT", "stale version");
    stored.set(user, { version: version + 1, rule: next });
    return { user, version: version + 1, rule: next };
  });
  alice = await login("alice", "alice-password-1");
  viewer = await login("vic", "vic-password-123");
  root = await login("root", "root-password-12");
});

describe("gateway notification rule routes (issue 19)", () => {
  it("lets every user read and edit their own rule, viewers included, and audits the change", async () => {
    expect(await readJson(await request("/api/notification-rules", alice))).toEqual({
      user: "alice",
      version: 0,
      rule: none,
    });
    const put = await request("/api/notification-rules", alice, "PUT", { version: 0, rule });
    expect(put.status).toBe(200);
    expect(await readJson(put)).toEqual({ user: "alice", version: 1, rule });
    expect(sets.at(-1)).toEqual({ request: { user: "alice", version: 0, rule }, actor: "alice" });
    expect((await readJson(await request("/api/notification-rules/alice", alice))).version).toBe(1);
    expect((await request("/api/notification-rules/vic", viewer, "PUT", { version: 0, rule: none })).status).toBe(200);
    await eventually(async () =>
      expect(await audit.list({ actor: "alice" })).toContainEqual(
        expect.objectContaining({ action: "notification.set-rule", details: expect.objectContaining({ status: 200 }) }),
      ),
    );
  });

  it("answers 403 for another user's rule unless the caller is an admin, and 404 for an admin's unknown user", async () => {
    const before = sets.length;
    expect((await request("/api/notification-rules/root", alice)).status).toBe(403);
    expect((await request("/api/notification-rules/alice", viewer, "PUT", { version: 1, rule: none })).status).toBe(
      403,
    );
    expect(sets.length).toBe(before);
    expect((await request("/api/notification-rules/alice", root)).status).toBe(200);
    const admin = await request("/api/notification-rules/alice", root, "PUT", { version: 1, rule: none });
    expect(admin.status).toBe(200);
    expect(sets.at(-1)).toEqual({ request: { user: "alice", version: 1, rule: none }, actor: "root" });
    expect((await request("/api/notification-rules/nobody-here", root, "PUT", { version: 0, rule })).status).toBe(404);
  });

  it("answers bad input with 422 and a stale version with 409, changing nothing", async () => {
    const before = sets.length;
    const bad = [
      {},
      { version: -1, rule },
      { version: 0 },
      { version: 0, rule: { routes: [{ kind: "NOPE", channels: [] }], quietHours: null } },
      { version: 0, rule: { routes: [{ kind: "TRADING_STATE", channels: ["pager"] }], quietHours: null } },
      { version: 0, rule: { routes: [], quietHours: { from: "7", to: "08:00", timeZone: "UTC" } } },
      "not json at all",
    ];
    for (const body of bad) {
      const res = await request("/api/notification-rules", viewer, "PUT", body);
      expect({ body, status: res.status }).toEqual({ body, status: 422 });
    }
    expect(sets.length).toBe(before);
    const stale = await request("/api/notification-rules", viewer, "PUT", { version: 0, rule });
    expect(stale.status).toBe(409);
    expect(stored.get("vic")).toEqual({ version: 1, rule: none });
    // Unknown fields are dropped by the gateway (Elysia's normalisation), never passed on or stored.
    const extra = await request("/api/notification-rules", viewer, "PUT", {
      version: 1,
      rule: { ...none, owner: "root" },
      x: 1,
    });
    expect(extra.status).toBe(200);
    expect(sets.at(-1)?.request).toEqual({ user: "vic", version: 1, rule: none });
  });

  it("is in the OpenAPI document with its body schema", async () => {
    const doc = await readJson(await gateway.app.handle(new Request("http://localhost/docs/json")));
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/api/notification-rules", "/api/notification-rules/{id}"]),
    );
    expect(doc.paths["/api/notification-rules"].put.requestBody).toBeDefined();
  });

  it("refuses without a token", async () => {
    const res = await gateway.app.handle(new Request("http://localhost/api/notification-rules"));
    expect(res.status).toBe(401);
  });
});
