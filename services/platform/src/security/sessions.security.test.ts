import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { bootSecurityPlatform, errorOf, type SecurityPlatform, type Session } from "./harness.ts";

// Issue 14 item 3: a disabled user kept their session, refresh rotated forever, the role was frozen.
const JWT_SECRET = "sessions-security-test-secret-0123456789abcdef";
let p: SecurityPlatform;
beforeAll(async () => {
  p = await bootSecurityPlatform({ JWT_SECRET });
});
afterAll(() => p?.stop());

const refresh = (session: Session) =>
  p.json<Session>("/api/auth/refresh", { body: { refreshToken: session.refreshToken } });
const status = async (token: string | Session) => (await p.call("/api/positions", { token })).status;
const patchUser = (name: string, body: unknown) =>
  p.json(`/api/users/${name}`, { method: "PATCH", token: p.admin, body });

/** An HS256 token signed with the gateway's own key: what a deleted user's token, or a forger holding the key, presents. */
async function signed(claims: Record<string, unknown>): Promise<string> {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const body = `${part({ alg: "HS256", typ: "JWT" })}.${part(claims)}`;
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(JWT_SECRET),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body));
  return `${body}.${Buffer.from(mac).toString("base64url")}`;
}

describe("sessions that really end (issue 14 item 3)", () => {
  it("disabling a user refuses their access token, their refresh and their open socket at once", async () => {
    const dana = await p.addUser("dana", "trader");
    const ws = await p.socket(dana.accessToken);
    expect(await status(dana)).toBe(200);
    expect((await patchUser("dana", { disabled: true })).status).toBe(200);
    expect(await status(dana)).toBe(401);
    expect((await refresh(dana)).status).toBe(401);
    expect((await ws.closed).code).toBe(4401);
    expect((await p.json("/api/auth/login", { body: { username: "dana", password: "dana-Pw-9f2kq7x" } })).status).toBe(
      401,
    );
    const again = await p.socket();
    expect((await again.auth(dana.accessToken)).op).toBe("error");
    again.close();
  });

  it("a role change ends the sessions; the next login carries the new role", async () => {
    const ravi = await p.addUser("ravi", "trader");
    expect((await patchUser("ravi", { role: "viewer" })).status).toBe(200);
    expect(await status(ravi)).toBe(401);
    expect((await refresh(ravi)).status).toBe(401);
    const fresh = await p.login("ravi", "ravi-Pw-9f2kq7x");
    const order = { clientOrderId: "ravi-1", symbol: "BTC-KRW", side: "BUY", type: "MARKET", quantity: "0.001" };
    expect((await p.json("/api/orders", { token: fresh, body: order })).status).toBe(403);
  });

  it("a password change ends every session of the user, the one that changed it included", async () => {
    const pia = await p.addUser("pia", "viewer");
    const other = await p.login("pia", "pia-Pw-9f2kq7x");
    const wrong = await p.json("/api/auth/password", {
      method: "PUT",
      token: pia,
      body: { currentPassword: "not-pia-password", newPassword: "a-new-Passphrase-for-pia" },
    });
    expect(wrong.status).toBe(403);
    expect(await status(pia)).toBe(200);
    const change = await p.json("/api/auth/password", {
      method: "PUT",
      token: pia,
      body: { currentPassword: "pia-Pw-9f2kq7x", newPassword: "a-new-Passphrase-for-pia" },
    });
    expect(change.status).toBe(200);
    expect(await status(pia)).toBe(401);
    expect(await status(other)).toBe(401);
    expect((await refresh(other)).status).toBe(401);
    expect(await status(await p.login("pia", "a-new-Passphrase-for-pia"))).toBe(200);
  });

  it("logout-all ends every session of the caller and no one else's", async () => {
    const lou = await p.addUser("lou", "viewer");
    const second = await p.login("lou", "lou-Pw-9f2kq7x");
    const bystander = await p.addUser("bystander", "viewer");
    expect((await p.call("/api/auth/logout-all", { token: lou, body: {} })).status).toBe(200);
    expect(await status(lou)).toBe(401);
    expect(await status(second)).toBe(401);
    expect((await refresh(second)).status).toBe(401);
    expect(await status(bystander)).toBe(200);
  });

  it("logout without a body ends the session: its access token, its refresh token and its sockets", async () => {
    const ola = await p.addUser("ola", "viewer");
    const ws = await p.socket(ola.accessToken);
    const other = await p.login("ola", "ola-Pw-9f2kq7x");
    const res = await p.call("/api/auth/logout", { method: "POST", token: ola });
    expect(res.status).toBe(200);
    expect(await status(ola)).toBe(401);
    expect((await refresh(ola)).status).toBe(401);
    expect((await ws.closed).code).toBe(4401);
    // Another session (another device) of the same user goes on.
    expect(await status(other)).toBe(200);
  });

  it("revoking a refresh family (a reused refresh token) denies its outstanding access token", async () => {
    const rex = await p.addUser("rex", "viewer");
    const rotated = await refresh(rex);
    expect(rotated.status).toBe(200);
    expect(await status(rotated.body.accessToken)).toBe(200);
    // The old refresh token again: stolen, so the whole family is revoked, the live access token with it.
    expect((await refresh(rex)).status).toBe(401);
    expect(await status(rotated.body.accessToken)).toBe(401);
    expect((await refresh({ ...rex, refreshToken: rotated.body.refreshToken })).status).toBe(401);
  });

  it("refuses a correctly signed token whose user does not exist, and one without a session", async () => {
    const exp = Math.floor(Date.now() / 1000) + 600;
    const ghost = await signed({ sub: "ghost", role: "admin", jti: "j-ghost", exp, ver: 0, sid: "s-ghost" });
    const res = await p.json("/api/users", {
      token: ghost,
      body: { username: "x1", password: "x1-Pw-9f2kq7x-long", role: "admin" },
    });
    expect(res.status).toBe(401);
    expect(errorOf(res.body)?.code).toBe("UNAUTHORIZED");
    const sessionless = await signed({ sub: "admin", role: "admin", jti: "j-old", exp });
    expect(await status(sessionless)).toBe(401);
    const ws = await p.socket();
    expect((await ws.auth(ghost)).op).toBe("error");
    ws.close();
    // A refused name is not remembered as missing: once created, the user's own login works at once.
    const created = await p.addUser("ghost", "viewer");
    expect(await status(created)).toBe(200);
    // And a token claiming a role acts with the user's role of now: ghost is a viewer, whatever the token says.
    const asViewer = await p.json("/api/users", {
      token: ghost,
      body: { username: "x2", password: "x2-Pw-9f2kq7x-long", role: "admin" },
    });
    expect(asViewer.status).toBe(403);
  });
});

describe("absolute session lifetime (issue 14 item 3)", () => {
  let short: SecurityPlatform;
  beforeAll(async () => {
    short = await bootSecurityPlatform({ JWT_SESSION_MAX_SECONDS: "2" });
  });
  afterAll(() => short?.stop());

  it("refuses a refresh once the session is older than JWT_SESSION_MAX_SECONDS, however often it was refreshed", async () => {
    let session = short.admin;
    const first = await short.json<Session>("/api/auth/refresh", { body: { refreshToken: session.refreshToken } });
    expect(first.status).toBe(200);
    session = first.body;
    await Bun.sleep(2100);
    const late = await short.json("/api/auth/refresh", { body: { refreshToken: session.refreshToken } });
    expect(late.status).toBe(401);
  });
});
