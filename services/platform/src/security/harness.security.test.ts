import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { bootSecurityPlatform, errorOf, runMain, type SecurityPlatform } from "./harness.ts";

let p: SecurityPlatform;
beforeAll(async () => {
  p = await bootSecurityPlatform();
});
afterAll(() => p?.stop());

/** The harness itself: if this fails, every other security test's result means nothing. */
describe("security harness", () => {
  it("boots a platform whose gateway refuses anonymous calls and serves a logged-in admin", async () => {
    expect((await p.call("/api/orders")).status).toBe(401);
    const orders = await p.json<unknown[]>("/api/orders", { token: p.admin });
    expect(orders.status).toBe(200);
    expect(Array.isArray(orders.body)).toBe(true);
  });

  it("creates users, and a socket authenticates with their token", async () => {
    const viewer = await p.addUser("harness-viewer", "viewer");
    const ws = await p.socket();
    expect((await ws.auth(viewer.accessToken)).op).toBe("authed");
    expect((await ws.auth("not-a-token")).op).toBe("error");
    ws.close();
    const bad = await p.json("/api/auth/login", { body: { username: "harness-viewer", password: "wrong-password-1" } });
    expect(bad.status).toBe(401);
    expect(errorOf(bad.body)?.code).toBe("UNAUTHORIZED");
  });

  it("runs main.ts as a process and reports a refused start-up", async () => {
    const run = await runMain({ JTS_ENV: "test", GATEWAY_PORT: "not-a-port" });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain("GATEWAY_PORT must be an integer");
  });
});
