/**
 * Issue 14, item 6: behind the PWA's proxy every client shared one address, so
 * one person's wrong passwords or garbage refresh tokens locked everyone out.
 * Forwarded addresses are believed only from trusted proxies (the PWA server on
 * loopback here); login brakes count failures only, per address, per (account,
 * address) and, as a slowdown that never refuses, per account;
 * refresh limits are per token.
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { ADMIN_PASSWORD, bootEdgePlatform, type EdgePlatform, request } from "./harness.ts";

let p: EdgePlatform;
/** LOGIN_RATE_LIMIT: wrong passwords per address per minute (small: each argon2 check takes a while). */
const LIMIT = 3;

// TRUSTED_PROXIES stays the default (loopback 127.0.0.1 and ::1): the PWA server connects from 127.0.0.1,
// the "clients" below from other loopback addresses, so they are untrusted peers.
beforeAll(async () => {
  // A 3 s first backoff: long enough that a loaded machine still sees the account braked.
  p = await bootEdgePlatform({ LOGIN_RATE_LIMIT: String(LIMIT), LOGIN_BACKOFF_BASE_MS: "3000" });
}, 60_000);
afterAll(() => p.stop());

const login = (base: string, from: string, username: string, password: string, headers: Record<string, string> = {}) =>
  request(`${base}/api/auth/login`, { from, headers, body: { username, password } });

describe("client addresses behind the PWA proxy (issue 14 #6)", () => {
  it("one client's wrong passwords through the proxy brake that client, not everyone behind it", async () => {
    const statuses: number[] = [];
    for (let i = 0; i <= LIMIT; i++) statuses.push((await login(p.web, "127.0.0.2", `ghost-${i}`, "wrong")).status);
    expect(statuses).toEqual([...Array(LIMIT).fill(401), 429]);
    // The same client is braked even with the right password...
    expect((await login(p.web, "127.0.0.2", "admin", ADMIN_PASSWORD)).status).toBe(429);
    // ...while another person behind the same proxy logs in.
    expect((await login(p.web, "127.0.0.3", "admin", ADMIN_PASSWORD)).status).toBe(200);
  }, 60_000);

  it("ignores X-Forwarded-For from a peer that is not a trusted proxy", async () => {
    const statuses: number[] = [];
    for (let i = 0; i <= LIMIT; i++) {
      const spoofed = { "x-forwarded-for": `198.51.100.${i + 1}` };
      statuses.push((await login(p.api, "127.0.0.4", `nobody-${i}`, "wrong", spoofed)).status);
    }
    expect(statuses).toEqual([...Array(LIMIT).fill(401), 429]);
  }, 60_000);

  it("counts only failed logins: a user who logs in often is never braked", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 2 * LIMIT; i++)
      statuses.push((await login(p.web, "127.0.0.5", "admin", ADMIN_PASSWORD)).status);
    expect(statuses).toEqual(Array(2 * LIMIT).fill(200));
  }, 60_000);

  it("slows an account's logins after failures from many addresses, never refusing the right password; a correct login resets it", async () => {
    const password = await p.createUser("backoff-target", "trader");
    // Six failures, each from its own address (so no address or (account, address) brake applies).
    for (let i = 0; i < 6; i++)
      expect((await login(p.api, `127.0.1.${i + 1}`, "backoff-target", "wrong")).status).toBe(401);
    // The right password from a fresh address is let in (slowed, never refused: attacker review 2).
    expect((await login(p.api, "127.0.1.7", "backoff-target", password)).status).toBe(200);
    // Other accounts are not touched by it.
    expect((await login(p.api, "127.0.1.7", "admin", ADMIN_PASSWORD)).status).toBe(200);
    // The count started over: one wrong password is just a 401 again.
    expect((await login(p.api, "127.0.1.9", "backoff-target", "wrong")).status).toBe(401);
    expect((await login(p.api, "127.0.1.9", "backoff-target", password)).status).toBe(200);
  }, 60_000);

  it("limits refreshes per token: garbage from one client never blocks another's refresh", async () => {
    const victim = await p.login("admin", ADMIN_PASSWORD, p.web);
    for (let i = 0; i < 2 * LIMIT; i++) {
      const garbage = await request(`${p.web}/api/auth/refresh`, {
        from: "127.0.0.6",
        body: { refreshToken: `garbage-${i}-${"x".repeat(20)}` },
      });
      expect(garbage.status).toBe(401);
    }
    // The same garbage token over and over is limited (per token hash).
    const repeated: number[] = [];
    for (let i = 0; i <= LIMIT; i++)
      repeated.push(
        (await request(`${p.web}/api/auth/refresh`, { from: "127.0.0.6", body: { refreshToken: "same-garbage" } }))
          .status,
      );
    expect(repeated).toEqual([...Array(LIMIT).fill(401), 429]);
    // Someone else behind the same proxy refreshes as usual.
    const refreshed = await request(`${p.web}/api/auth/refresh`, {
      from: "127.0.0.7",
      body: { refreshToken: victim.refreshToken },
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.json().accessToken).toBeString();
  }, 60_000);
});
