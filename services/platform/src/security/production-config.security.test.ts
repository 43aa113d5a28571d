import { describe, expect, it } from "bun:test";
import { envExample, runMain, runScript } from "./harness.ts";

// Issue 14 item 4: production accepted the example secrets, and JTS_ENV=prod fell back to development.
const STRONG = {
  JWT_SECRET: "0f8e2a7c4b9d1e6f3a5c8b0d2e4f6a1c3b5d7e9f",
  JTS_ADMIN_PASSWORD: "Tr0ub4dor-horse-Staple",
};
const production = { JTS_ENV: "production", ...STRONG };

describe("production start-up refusals (issue 14 item 4)", () => {
  it("refuses an unknown JTS_ENV instead of running on development secrets", async () => {
    const run = await runMain({ JTS_ENV: "prod" });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('JTS_ENV must be one of development, test, production, got "prod"');
  });

  it("refuses every secret copied from .env.example", async () => {
    const example = await envExample();
    expect(example.JWT_SECRET).toContain("CHANGE-ME");
    const run = await runMain({
      ...production,
      JWT_SECRET: example.JWT_SECRET as string,
      JTS_ADMIN_PASSWORD: example.JTS_ADMIN_PASSWORD as string,
    });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain("JWT_SECRET is still a placeholder");
    expect(run.stderr).toContain("JTS_ADMIN_PASSWORD is still a placeholder");
  });

  it("refuses low-entropy secrets and says why", async () => {
    const run = await runMain({
      ...production,
      JWT_SECRET: "a".repeat(48),
      JTS_ADMIN_PASSWORD: "123456789012",
    });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain("JWT_SECRET has only 1 distinct characters");
    expect(run.stderr).toMatch(/JTS_ADMIN_PASSWORD is too weak: about \d+ bits for 12 characters of digits/);
  });

  it("refuses the platform's in-memory storage (users, orders, risk state) in production", async () => {
    const run = await runMain({ ...production, JTS_STORAGE: "memory" });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain("JTS_STORAGE=memory is refused in production");
  });

  it("refuses a standalone OMS, gateway or risk service without its database in production", async () => {
    for (const [service, what] of [
      ["order-execution", "orders"],
      ["api-gateway", "users"],
      ["risk-management", "risk limits"],
    ]) {
      const run = await runScript(`services/${service}/src/main.ts`, production);
      expect({ service, exitCode: run.exitCode }).toEqual({ service, exitCode: 1 });
      expect(run.stderr).toContain(`DATABASE_URL is required in production: without it ${what}`);
    }
  });

  it("refuses a standalone service on the in-memory bus in production", async () => {
    const run = await runScript("services/notification-service/src/main.ts", production);
    expect(run.exitCode).not.toBe(0);
    expect(run.stderr).toContain("JTS_BUS=memory is refused in production");
  });
});
