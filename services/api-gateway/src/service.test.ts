import { beforeAll, describe, expect, it } from "bun:test";
import { memoryRuntime } from "@jts/kit";
import { readJson, silentLogger } from "@jts/kit/testing";
import { UserDirectory } from "./auth/users.ts";
import { createGatewayService } from "./service.ts";

const settings = {
  jwtSecret: "test-secret-test-secret-test-secret-0123",
  accessTtlSeconds: 60,
  refreshTtlSeconds: 600,
  rateLimit: 3,
  rateWindowMs: 60_000,
  loginRateLimit: 2,
  rpcTimeoutMs: 200,
  corsOrigins: ["http://localhost:5173"],
};

const users = new UserDirectory();
let gateway: ReturnType<typeof createGatewayService>;

const post = (path: string, body: unknown, token?: string) =>
  gateway.app.handle(
    new Request(`http://localhost${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    }),
  );
const get = (path: string, token: string) =>
  gateway.app.handle(new Request(`http://localhost${path}`, { headers: { authorization: `Bearer ${token}` } }));
const login = async (username: string, password: string) =>
  (await readJson(await post("/api/auth/login", { username, password }))).accessToken as string;

beforeAll(async () => {
  await users.add("alice", "alice-password-1", "trader");
  await users.add("victor", "victor-password-1", "viewer");
  gateway = createGatewayService(memoryRuntime(silentLogger), users, settings);
});

describe("api gateway", () => {
  it("limits each user to API_RATE_LIMIT requests with RateLimit headers and a 429 with Retry-After", async () => {
    const token = await login("alice", "alice-password-1");
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 4; i++) {
      last = await get("/api/risk", token);
      statuses.push(last.status);
    }
    // No risk service runs here: the allowed calls end in 503, the fourth is refused first.
    expect(statuses).toEqual([503, 503, 503, 429]);
    expect(last?.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(last?.headers.get("ratelimit-limit")).toBe("3");
    expect(last?.headers.get("ratelimit-remaining")).toBe("0");
    expect((await readJson(last as Response)).error.code).toBe("RATE_LIMITED");
  });

  it("answers 503 in the error shape when a service is down, not a hang", async () => {
    const token = await login("victor", "victor-password-1");
    const res = await get("/api/prices", token);
    expect(res.status).toBe(503);
    expect((await readJson(res)).error.code).toBe("UNAVAILABLE");
  });

  it("refuses trading to a viewer", async () => {
    const token = await login("victor", "victor-password-1");
    const res = await post(
      "/api/orders",
      { clientOrderId: "v1", symbol: "005930", side: "BUY", type: "MARKET", quantity: "1" },
      token,
    );
    expect(res.status).toBe(403);
  });

  it("stores passwords as argon2id hashes", () => {
    expect(users.get("alice")?.passwordHash).toStartWith("$argon2id$");
  });

  it("limits wrong passwords per address, whichever account they try", async () => {
    // Logged in first: successful logins are not counted.
    const victor = await login("victor", "victor-password-1");
    const attempts = [];
    for (let i = 0; i < 3; i++)
      attempts.push((await post("/api/auth/login", { username: "mallory", password: "guess" })).status);
    expect(attempts).toEqual([401, 401, 429]);
    // The address is braked for any account now (LOGIN_RATE_LIMIT failures per minute per address).
    expect((await post("/api/auth/login", { username: "alice", password: "alice-password-1" })).status).toBe(429);
    // Its session is untouched.
    expect((await get("/api/prices", victor)).status).toBe(503);
  });
});
