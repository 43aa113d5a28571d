import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { bootSecurityPlatform, type SecurityPlatform } from "./harness.ts";

// Issue 14 item 5: after 100 GET /api/prices the kill switch and cancel-all answered 429 for a minute.
let p: SecurityPlatform;
beforeAll(async () => {
  p = await bootSecurityPlatform({ API_RATE_LIMIT: "20", SAFETY_RATE_LIMIT: "5" });
});
afterAll(() => p?.stop());

const exhaustOrdinaryBucket = async () => {
  for (let i = 0; i < 25; i++) await p.call("/api/prices", { token: p.admin });
  expect((await p.call("/api/prices", { token: p.admin })).status).toBe(429);
};

describe("safety calls are never throttled by the ordinary bucket (issue 14 item 5)", () => {
  it("halts, cancels all and disarms after the ordinary bucket is spent, and still refuses other calls", async () => {
    await exhaustOrdinaryBucket();
    const halt = await p.call("/api/risk/state", {
      method: "PUT",
      token: p.admin,
      body: { state: "HALTED", reason: "security test" },
    });
    expect(halt.status).toBe(200);
    const cancelAll = await p.call("/api/orders/cancel-all", { token: p.admin, body: {} });
    expect(cancelAll.status).toBe(200);
    const disarm = await p.call("/api/accounts/paper-main/disarm", { token: p.admin, body: {} });
    expect(disarm.status).toBe(200);
    // Resuming trading is not a safety call: it stays behind the ordinary bucket.
    const resume = await p.call("/api/risk/state", { method: "PUT", token: p.admin, body: { state: "ACTIVE" } });
    expect(resume.status).toBe(429);
    expect((await p.call("/api/orders", { token: p.admin })).status).toBe(429);
  });

  it("bounds safety calls by their own bucket", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await p.call("/api/orders/cancel-all", { token: p.admin, body: {} })).status);
    // 3 safety calls were spent above; the bucket holds 5.
    expect(statuses).toEqual([200, 200, 429, 429, 429, 429]);
  });
});
