/**
 * Attacker review 15, item 4: the TLS terminator of compose (host/docker/proxy, Caddy)
 * sits in front of the PWA server, which sits in front of the gateway: two hops that
 * each believe X-Forwarded-Proto and -For from their own proxy only. Caddy drops a
 * client's own (host/test/proxy.bats); here the PWA server and the gateway: the refresh
 * cookie is Secure when the terminator says https, and a client that reaches the PWA
 * server without the terminator cannot claim https (a Secure cookie it never sent over
 * TLS) or another address.
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startWebServer, type WebServer } from "@jts/web/server";
import { ADMIN_PASSWORD, type Answer, bootSecurityPlatform, request, type SecurityPlatform } from "./harness.ts";

/** The terminator's address (compose: JTS_PROXY_ADDRESS, in JTS_WEB_TRUSTED_PROXIES). */
const TERMINATOR = "127.0.0.51";
let p: SecurityPlatform;
let web: WebServer;
let base: string;
const dist = mkdtempSync(join(tmpdir(), "jts-sec-tls-"));

beforeAll(async () => {
  writeFileSync(join(dist, "index.html"), "<!doctype html><title>JTS</title>");
  // As compose sets it: the gateway believes the PWA server and the terminator behind it.
  p = await bootSecurityPlatform({ TRUSTED_PROXIES: `127.0.0.1,${TERMINATOR}` });
  web = startWebServer({
    port: 0,
    hostname: "127.0.0.1",
    distDir: dist,
    gatewayUrl: p.urls["api-gateway"] as string,
    trustedProxies: [TERMINATOR],
  });
  base = `http://127.0.0.1:${web.port}`;
}, 60_000);
afterAll(async () => {
  web?.stop();
  await p?.stop();
  rmSync(dist, { recursive: true, force: true });
});

const browserLogin = (from: string, headers: Record<string, string>) =>
  request(`${base}/api/auth/login`, {
    from,
    headers,
    body: { username: "admin", password: ADMIN_PASSWORD, refreshTokenIn: "cookie" },
  });
const cookieAttributes = (answer: Answer) =>
  String((answer.headers["set-cookie"] as string[] | undefined)?.[0] ?? "")
    .split(";")
    .map((part) => part.trim());

describe("TLS terminator -> PWA server -> gateway (attacker review 15, item 4)", () => {
  it("marks the refresh cookie Secure when the terminator says https", async () => {
    const login = await browserLogin(TERMINATOR, { "x-forwarded-proto": "https", "x-forwarded-for": "192.0.2.7" });
    expect(login.status).toBe(200);
    expect(cookieAttributes(login)).toContain("Secure");
  }, 60_000);

  it("does not take https or an address from a client that bypasses the terminator", async () => {
    const spoofed = await browserLogin("127.0.0.52", { "x-forwarded-proto": "https", "x-forwarded-for": "192.0.2.99" });
    expect(spoofed.status).toBe(200);
    expect(cookieAttributes(spoofed)).not.toContain("Secure");
    const entries = await p.platform.services["api-gateway"].audit.list({ limit: 1000 });
    const sources = entries.filter((entry) => entry.action === "auth.login").map((entry) => entry.sourceIp);
    // Through the terminator: the client it reported; around it: the peer itself, never its claim.
    expect(sources).toContain("192.0.2.7");
    expect(sources).toContain("127.0.0.52");
    expect(sources).not.toContain("192.0.2.99");
  }, 60_000);
});
