/**
 * Issue 14, item 10: the PWA could be framed, had no Content-Security-Policy,
 * and kept the refresh token where any page script could read it. Now the PWA
 * server sends a CSP with frame-ancestors 'none' (and X-Frame-Options DENY),
 * and the gateway keeps a browser's refresh token in an HttpOnly,
 * SameSite=Strict cookie on /api/auth (Secure when the client came over https),
 * rotated on refresh and cleared on logout. API clients keep the body token.
 * (The browser side, storage and the CSP in Chromium, is in web/e2e.)
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { ADMIN_PASSWORD, type Answer, bootEdgePlatform, type EdgePlatform, request } from "./harness.ts";

let p: EdgePlatform;
beforeAll(async () => {
  p = await bootEdgePlatform();
}, 60_000);
afterAll(() => p.stop());

const setCookie = (answer: Answer) => {
  const header = answer.headers["set-cookie"];
  expect(header).toHaveLength(1);
  return (header as string[])[0] as string;
};
const attributes = (cookie: string) => cookie.split(";").map((part) => part.trim());
/** The cookie as a browser would send it back. */
const cookieHeader = (cookie: string) => attributes(cookie)[0] as string;

const browserLogin = (base: string, headers: Record<string, string> = {}, from?: string) =>
  request(`${base}/api/auth/login`, {
    ...(from ? { from } : {}),
    headers,
    body: { username: "admin", password: ADMIN_PASSWORD, refreshTokenIn: "cookie" },
  });

describe("the PWA's frame, policy and refresh token (issue 14 #10)", () => {
  it("serves the app with a Content-Security-Policy that forbids framing and foreign scripts", async () => {
    for (const path of ["/", "/markets", "/assets/app.js", "/assets/missing.js"]) {
      const answer = await request(`${p.web}${path}`);
      const csp = String(answer.headers["content-security-policy"]);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).not.toContain("unsafe-eval");
      expect(answer.headers["x-frame-options"]).toBe("DENY");
    }
  }, 60_000);

  it("gives a browser its refresh token only as an HttpOnly SameSite=Strict cookie on /api/auth", async () => {
    const login = await browserLogin(p.web);
    expect(login.status).toBe(200);
    expect(login.json().refreshToken).toBeUndefined();
    expect(login.json().accessToken).toBeString();
    const cookie = attributes(setCookie(login));
    expect(cookie[0]).toMatch(/^jts_refresh=[A-Za-z0-9_-]{20,}$/);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    expect(cookie).toContain("Path=/api/auth");
    // Plain http (localhost): a Secure cookie would never come back.
    expect(cookie).not.toContain("Secure");
  }, 60_000);

  it("marks the cookie Secure when a trusted proxy says the client came over https, and not on an untrusted peer's word", async () => {
    const viaTls = await browserLogin(p.api, { "x-forwarded-proto": "https" });
    expect(attributes(setCookie(viaTls))).toContain("Secure");
    const spoofed = await browserLogin(p.api, { "x-forwarded-proto": "https" }, "127.0.0.31");
    expect(attributes(setCookie(spoofed))).not.toContain("Secure");
  }, 60_000);

  it("refreshes from the cookie alone, rotating it, and a replayed cookie is refused and cleared", async () => {
    const first = setCookie(await browserLogin(p.web));
    const refreshed = await request(`${p.web}/api/auth/refresh`, {
      method: "POST",
      headers: { cookie: cookieHeader(first) },
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.json().refreshToken).toBeUndefined();
    const second = setCookie(refreshed);
    expect(cookieHeader(second)).not.toBe(cookieHeader(first));
    const replayed = await request(`${p.web}/api/auth/refresh`, {
      method: "POST",
      headers: { cookie: cookieHeader(first) },
    });
    expect(replayed.status).toBe(401);
    expect(attributes(setCookie(replayed))).toContain("Max-Age=0");
  }, 60_000);

  it("logout revokes the cookie's token and clears the cookie", async () => {
    const login = await browserLogin(p.web);
    const cookie = cookieHeader(setCookie(login));
    const logout = await request(`${p.web}/api/auth/logout`, {
      method: "POST",
      headers: { cookie, authorization: `Bearer ${login.json().accessToken}` },
    });
    expect(logout.status).toBe(200);
    const cleared = attributes(setCookie(logout));
    expect(cleared[0]).toBe("jts_refresh=");
    expect(cleared).toContain("Max-Age=0");
    expect(cleared).toContain("Path=/api/auth");
    const after = await request(`${p.web}/api/auth/refresh`, { method: "POST", headers: { cookie } });
    expect(after.status).toBe(401);
  }, 60_000);

  it("keeps the body refresh token for API clients (no cookie), as documented", async () => {
    const login = await request(`${p.api}/api/auth/login`, { body: { username: "admin", password: ADMIN_PASSWORD } });
    expect(login.status).toBe(200);
    expect(login.headers["set-cookie"]).toBeUndefined();
    const { refreshToken } = login.json();
    expect(refreshToken).toBeString();
    const refreshed = await request(`${p.api}/api/auth/refresh`, { body: { refreshToken } });
    expect(refreshed.status).toBe(200);
    expect(refreshed.json().refreshToken).toBeString();
    expect(refreshed.headers["set-cookie"]).toBeUndefined();
  }, 60_000);

  it("answers a refresh with neither body nor cookie with 401", async () => {
    const answer = await request(`${p.web}/api/auth/refresh`, { method: "POST" });
    expect(answer.status).toBe(401);
    expect(answer.json().error.code).toBe("UNAUTHORIZED");
  }, 60_000);
});
