import { beforeAll, describe, expect, it } from "bun:test";
import { Subjects } from "@jts/contracts";
import { MemoryAuditLog, memoryRuntime } from "@jts/kit";
import { eventually, readJson, silentLogger } from "@jts/kit/testing";
import { MemoryUserDirectory } from "../auth/users.ts";
import { createGatewayService } from "../service.ts";
import { gatewayClient, gatewayTestSettings } from "../testing/client.ts";

const users = new MemoryUserDirectory();
const audit = new MemoryAuditLog();
const runtime = memoryRuntime(silentLogger);
const gateway = createGatewayService(
  runtime,
  users,
  gatewayTestSettings("telegram-routes-test-secret-telegram-routes"),
  { audit },
);

/** What the notification service was asked, and by whom. */
const asked: Array<{ subject: string; request: unknown; actor: string | undefined }> = [];
const request = (path: string, method: string, token?: string) =>
  gateway.app.handle(
    new Request(`http://localhost${path}`, {
      method,
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    }),
  );
const { login } = gatewayClient(gateway);

let trader = "";
let viewer = "";

beforeAll(async () => {
  await users.add("tina", "tina-password-12", "trader");
  await users.add("vic", "vic-password-123", "viewer");
  await runtime.rpc.serve(Subjects.telegramLinkCode, (req, { actor }) => {
    asked.push({ subject: Subjects.telegramLinkCode, request: req, actor });
    return { code: "c0de", expiresAt: "2026-12-07T06:00:00.000Z" };
  });
  await runtime.rpc.serve(Subjects.telegramUnlink, (req, { actor }) => {
    asked.push({ subject: Subjects.telegramUnlink, request: req, actor });
    return { unlinked: 1 };
  });
  trader = await login("tina", "tina-password-12");
  viewer = await login("vic", "vic-password-123");
});

describe("gateway Telegram link routes", () => {
  it("asks the notification service for a code in the caller's name and role, viewers too, and audits it", async () => {
    const res = await request("/api/telegram/link", "POST", trader);
    expect(res.status).toBe(200);
    expect(await readJson(res)).toEqual({ code: "c0de", expiresAt: "2026-12-07T06:00:00.000Z" });
    expect(asked.at(-1)).toEqual({
      subject: Subjects.telegramLinkCode,
      request: { user: "tina", role: "trader" },
      actor: undefined,
    });
    expect((await request("/api/telegram/link", "POST", viewer)).status).toBe(200);
    expect(asked.at(-1)?.request).toEqual({ user: "vic", role: "viewer" });
    await eventually(async () =>
      expect(await audit.list({ actor: "tina" })).toContainEqual(expect.objectContaining({ action: "telegram.link" })),
    );
  });

  it("unlinks the caller's chats", async () => {
    const res = await request("/api/telegram/link", "DELETE", trader);
    expect(res.status).toBe(200);
    expect(await readJson(res)).toEqual({ unlinked: 1 });
    expect(asked.at(-1)).toEqual({ subject: Subjects.telegramUnlink, request: { user: "tina" }, actor: undefined });
  });

  it("answers 401 without a token and asks nothing", async () => {
    const before = asked.length;
    expect((await request("/api/telegram/link", "POST")).status).toBe(401);
    expect((await request("/api/telegram/link", "DELETE")).status).toBe(401);
    expect(asked.length).toBe(before);
  });

  it("is in the OpenAPI document", async () => {
    const doc = await readJson(await gateway.app.handle(new Request("http://localhost/docs/json")));
    expect(Object.keys(doc.paths["/api/telegram/link"] ?? {}).sort()).toEqual(["delete", "post"]);
  });
});
