/**
 * Attacker review of issue 14, finding 2: the per-account backoff refused the
 * right password, so anyone who could reach the login page kept the admin out
 * (a few wrong passwords an hour). Now the refusing backoff is per (account,
 * client address); an account's failures from all addresses only slow its
 * logins, by a bounded delay, and raise an alert.
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { type Alert, Topics } from "@jts/contracts";
import { eventually } from "@jts/kit/testing";
import { ADMIN_PASSWORD, bootEdgePlatform, type EdgePlatform, request } from "./harness.ts";

let p: EdgePlatform;
const SLOWDOWN_STEP_MS = 1500;

beforeAll(async () => {
  // A roomy per-address window, so the (account, address) backoff is what brakes client A.
  p = await bootEdgePlatform({
    LOGIN_RATE_LIMIT: "50",
    LOGIN_BACKOFF_BASE_MS: "60000",
    LOGIN_SLOWDOWN_STEP_MS: String(SLOWDOWN_STEP_MS),
    LOGIN_SLOWDOWN_MAX_MS: "4000",
  });
}, 60_000);
afterAll(() => p.stop());

const login = (from: string, password: string) =>
  request(`${p.api}/api/auth/login`, { from, body: { username: "admin", password } });

describe("a stranger cannot lock the owner out (attacker review 2)", () => {
  it("admin braked for client A; client B logs in with the right password, slowed, and an alert is raised", async () => {
    const alerts: Alert[] = [];
    await p.platform.runtime.bus.subscribe(Topics.alert, async (e) => {
      alerts.push(e.payload as Alert);
    });
    const attacker = "127.0.3.1";
    for (let i = 0; i < 6; i++) expect((await login(attacker, `wrong-${i}`)).status).toBe(401);
    // A itself is now refused even with the right password (its own backoff: 60 s)...
    const braked = await login(attacker, ADMIN_PASSWORD);
    expect(braked.status).toBe(429);
    expect(braked.json().error.message).toContain("from this address");
    expect(Number(braked.headers["retry-after"])).toBeGreaterThan(30);
    // ...the owner, from another address, is let in: only slowed (6 failures, one past the free 5).
    const started = performance.now();
    const owner = await login("127.0.3.2", ADMIN_PASSWORD);
    const took = performance.now() - started;
    expect(owner.status).toBe(200);
    expect(owner.json().accessToken).toBeString();
    expect(took).toBeGreaterThanOrEqual(SLOWDOWN_STEP_MS - 50);
    // The owner's success does not lift A's own brake.
    expect((await login(attacker, ADMIN_PASSWORD)).status).toBe(429);
    // The operator is told (platform-wide alert on alert.raised, which the PWA shows; it names no account).
    await eventually(() => expect(alerts.map((a) => a.title)).toContain("Repeated failed logins"));
    expect(alerts.find((a) => a.title === "Repeated failed logins")?.account).toBeNull();
  }, 60_000);
});
