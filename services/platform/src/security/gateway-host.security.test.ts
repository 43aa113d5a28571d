/**
 * Attacker review of issue 14, finding 5: any loopback client could set
 * X-Forwarded-For at the gateway (TRUSTED_PROXIES was loopback in every mode),
 * and the gateway had no Host check, so a DNS-rebound page (evil.example
 * resolving to 127.0.0.1) could reach it and pick the address its login limits
 * and audit entries are keyed by. Now the gateway answers only for loopback,
 * JTS_HOST and JTS_ALLOWED_HOSTS (421 otherwise, the upgrade to /ws too), and
 * production trusts no proxy unless TRUSTED_PROXIES names one.
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { connect } from "node:net";
import { gatewayConfigSpec, gatewaySettings } from "@jts/api-gateway";
import { loadConfig } from "@jts/kit";
import { eventually } from "@jts/kit/testing";
import { ADMIN_PASSWORD, bootEdgePlatform, type EdgePlatform, openSocket, request } from "./harness.ts";

let p: EdgePlatform;
beforeAll(async () => {
  // Every port reads JTS_ALLOWED_HOSTS from the process environment when it is built (as main.ts does).
  const before = process.env.JTS_ALLOWED_HOSTS;
  process.env.JTS_ALLOWED_HOSTS = "jts.example.test";
  try {
    p = await bootEdgePlatform();
  } finally {
    if (before === undefined) delete process.env.JTS_ALLOWED_HOSTS;
    else process.env.JTS_ALLOWED_HOSTS = before;
  }
}, 60_000);
afterAll(() => p.stop());

/** The status line's code of a raw request (for a WebSocket upgrade, 101 when it was accepted). */
function rawStatus(base: string, text: string): Promise<number> {
  const { hostname, port } = new URL(base);
  return new Promise((done, fail) => {
    const socket = connect(Number(port), hostname, () => socket.write(text));
    socket.once("data", (chunk) => {
      done(Number(String(chunk).split(" ")[1]));
      socket.destroy();
    });
    socket.on("error", fail);
  });
}

const upgrade = (host: string) =>
  `GET /ws HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`;

describe("the gateway checks Host (attacker review 5)", () => {
  it("answers 421 to a rebinding Host, reads, logins and the /ws upgrade alike", async () => {
    const evil = { host: "evil.example:3000" };
    expect((await request(`${p.api}/health`, { headers: evil })).status).toBe(421);
    const login = await request(`${p.api}/api/auth/login`, {
      headers: { ...evil, "x-forwarded-for": "198.51.100.7" },
      body: { username: "admin", password: ADMIN_PASSWORD },
    });
    expect(login.status).toBe(421);
    expect(login.json().error.code).toBe("MISDIRECTED");
    expect(await rawStatus(p.api, upgrade("evil.example"))).toBe(421);
  }, 60_000);

  it("answers for loopback and JTS_ALLOWED_HOSTS, directly and through the PWA proxy", async () => {
    const port = new URL(p.api).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, "jts.example.test"])
      expect({ host, status: (await request(`${p.api}/health`, { headers: { host } })).status }).toEqual({
        host,
        status: 200,
      });
    expect(await rawStatus(p.api, upgrade(`127.0.0.1:${port}`))).toBe(101);
    // The proxy sends the gateway's own name as Host: logins and sockets through it still work.
    expect((await p.login("admin", ADMIN_PASSWORD, p.web)).accessToken).toBeString();
    const ws = await openSocket(p.web);
    ws.send({ op: "auth", token: p.admin.accessToken });
    await eventually(() => expect(ws.messages.some((m) => m.op === "authed")).toBe(true));
    ws.socket.close();
  }, 60_000);

  it("trusts no proxy in production unless TRUSTED_PROXIES names one; loopback in development", () => {
    const secrets = {
      JWT_SECRET: "9f4c2a7e1b8d3f6a0c5e2b9d7f1a4c8e3b6d0f2a5c9e1b7d",
      JTS_ADMIN_PASSWORD: "Vq7#mZ2!pL9xR4wK",
    };
    const trusted = (env: Record<string, string>) => [
      ...(gatewaySettings(loadConfig(gatewayConfigSpec, { ...secrets, ...env })).trustedProxies ?? []),
    ];
    expect(trusted({ JTS_ENV: "production" })).toEqual([]);
    expect(trusted({ JTS_ENV: "production", TRUSTED_PROXIES: "172.30.58.10" })).toEqual(["172.30.58.10"]);
    expect(trusted({ JTS_ENV: "development" })).toEqual(["127.0.0.1", "::1"]);
  });
});
