/**
 * Issue 14, item 8: state-changing calls were audited without a source address
 * (only logins had one). Every audited call now records the client's address:
 * the peer, or what a trusted proxy (the PWA server) reports for the client.
 * The audit log has no HTTP route; it is read where an operator reads it (the
 * gateway's audit store), everything else is black-box over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { AuditLog } from "@jts/contracts";
import { eventually } from "@jts/kit/testing";
import { bootEdgePlatform, type EdgePlatform, request } from "./harness.ts";

let p: EdgePlatform;
let audit: AuditLog;
beforeAll(async () => {
  p = await bootEdgePlatform();
  audit = p.platform.services["api-gateway"].audit;
}, 60_000);
afterAll(() => p.stop());

/** The newest audit entry with this action and request id. */
async function entryOf(action: string, requestId: string) {
  let found: Awaited<ReturnType<AuditLog["list"]>>[number] | undefined;
  await eventually(async () => {
    found = (await audit.list({ limit: 1000 })).find((e) => e.action === action && e.requestId === requestId);
    expect(found).toBeDefined();
  });
  return found as NonNullable<typeof found>;
}

describe("the audit log records where each state-changing call came from (issue 14 #8)", () => {
  const auth = () => ({ authorization: `Bearer ${p.admin.accessToken}` });

  it("records the client's address behind the PWA proxy", async () => {
    const calls = [
      { action: "risk.set-state", method: "PUT", path: "/api/risk/state", body: { state: "HALTED", reason: "drill" } },
      { action: "risk.set-state", method: "PUT", path: "/api/risk/state", body: { state: "ACTIVE" } },
      { action: "order.cancel-all", method: "POST", path: "/api/orders/cancel-all", body: {} },
      { action: "strategy.stop", method: "POST", path: "/api/strategies/ma-BTC-KRW/stop", body: undefined },
    ];
    for (const [i, call] of calls.entries()) {
      const requestId = `audit-proxy-${i}`;
      const answer = await request(`${p.web}${call.path}`, {
        from: "127.0.0.21",
        method: call.method,
        headers: { ...auth(), "x-request-id": requestId },
        body: call.body,
      });
      expect(answer.status).toBeLessThan(500);
      const entry = await entryOf(call.action, requestId);
      expect(entry.sourceIp).toBe("127.0.0.21");
      expect(entry.actor).toBe("admin");
    }
  }, 60_000);

  it("records the peer's own address when it is not a trusted proxy, whatever X-Forwarded-For says", async () => {
    const answer = await request(`${p.api}/api/risk/state`, {
      from: "127.0.0.22",
      method: "PUT",
      headers: { ...auth(), "x-request-id": "audit-direct", "x-forwarded-for": "203.0.113.50" },
      body: { state: "ACTIVE" },
    });
    expect(answer.status).toBe(200);
    expect((await entryOf("risk.set-state", "audit-direct")).sourceIp).toBe("127.0.0.22");
  }, 60_000);

  it("records refused calls with their address too", async () => {
    const trader = await p.createUser("audit-trader", "trader");
    const { accessToken } = await p.login("audit-trader", trader);
    const answer = await request(`${p.web}/api/risk/state`, {
      from: "127.0.0.23",
      method: "PUT",
      headers: { authorization: `Bearer ${accessToken}`, "x-request-id": "audit-refused" },
      body: { state: "ACTIVE" },
    });
    expect(answer.status).toBe(403);
    const entry = await entryOf("risk.set-state", "audit-refused");
    expect(entry.sourceIp).toBe("127.0.0.23");
    expect(entry.details?.status).toBe(403);
  }, 60_000);
});
