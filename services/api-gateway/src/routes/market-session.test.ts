import { beforeAll, describe, expect, it } from "bun:test";
import { krxSchedule, memoryRuntime } from "@jts/kit";
import { readJson, silentLogger } from "@jts/kit/testing";
import { MemoryUserDirectory } from "../auth/users.ts";
import { createGatewayService } from "../service.ts";
import { krxSessionAt } from "./market-session.ts";

/** KST wall-clock time on a date, as ms since epoch (KST is UTC+9, no daylight saving). */
const kst = (date: string, time: string) => Date.parse(`${date}T${time}:00+09:00`);
// 2026-12-07 is a Monday; 2026-12-25 a Friday, Christmas, a KRX holiday when configured.
const krx = krxSchedule(["2026-12-25"]);

describe("KRX session state for the header", () => {
  it.each([
    ["08:29", "CLOSED"],
    ["08:30", "PRE_OPEN"],
    ["08:59", "PRE_OPEN"],
    ["09:00", "CONTINUOUS"],
    ["15:19", "CONTINUOUS"],
    ["15:20", "CLOSING_AUCTION"],
    ["15:29", "CLOSING_AUCTION"],
    ["15:30", "CLOSED"],
  ])("a weekday at %s KST is %s", (time, state) => {
    expect(krxSessionAt(krx, kst("2026-12-07", time)).state).toBe(state as never);
  });

  it("tells a configured holiday from a weekend and says why it is closed", () => {
    const holiday = krxSessionAt(krx, kst("2026-12-25", "10:00"));
    expect(holiday.state).toBe("HOLIDAY");
    expect(holiday.reason).toContain("holiday on 2026-12-25");
    const saturday = krxSessionAt(krx, kst("2026-12-05", "10:00"));
    expect(saturday.state).toBe("CLOSED");
    expect(saturday.reason).toContain("Saturdays");
    expect(krxSessionAt(krx, kst("2026-12-07", "10:00")).reason).toBe("");
  });
});

describe("GET /api/market/sessions", () => {
  const users = new MemoryUserDirectory();
  const runtime = memoryRuntime(silentLogger);
  const gateway = createGatewayService(
    runtime,
    users,
    {
      jwtSecret: "market-session-test-secret-market-session",
      accessTtlSeconds: 600,
      refreshTtlSeconds: 600,
      rateLimit: 1000,
      rateWindowMs: 60_000,
      loginRateLimit: 50,
      rpcTimeoutMs: 500,
      corsOrigins: [],
    },
    { krxSessions: krx },
  );
  let token = "";
  beforeAll(async () => {
    await users.add("vic", "vic-password-123", "viewer");
    const res = await gateway.app.handle(
      new Request("http://localhost/api/auth/login", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "vic", password: "vic-password-123" }),
      }),
    );
    token = (await readJson(res)).accessToken;
  });

  it("answers KRX's state now to a signed-in user, even a viewer", async () => {
    const res = await gateway.app.handle(
      new Request("http://localhost/api/market/sessions", { headers: { authorization: `Bearer ${token}` } }),
    );
    expect(res.status).toBe(200);
    const [krxNow] = (await readJson(res)) as Array<{ market: string; state: string; at: number }>;
    expect(krxNow?.market).toBe("KRX");
    expect(krxNow?.state).toBe(krxSessionAt(krx, krxNow?.at ?? 0).state);
  });

  it("asks for a token like every other /api route", async () => {
    const res = await gateway.app.handle(new Request("http://localhost/api/market/sessions"));
    expect(res.status).toBe(401);
  });
});
