import { describe, expect, it } from "bun:test";
import { ConfigError, int, loadConfig, oneOf, secret, str } from "./config.ts";

const spec = {
  JWT_SECRET: secret("dev-secret-do-not-use-in-production", 32),
  GATEWAY_PORT: int(3000, { min: 0, max: 65535 }),
  LOG_LEVEL: oneOf(["debug", "info", "warn", "error"] as const, "info"),
  REGION: str("local"),
};

describe("loadConfig", () => {
  it("fills development defaults when the environment is empty", () => {
    const config = loadConfig(spec, {});
    expect(config).toEqual({
      mode: "development",
      JWT_SECRET: "dev-secret-do-not-use-in-production",
      GATEWAY_PORT: 3000,
      LOG_LEVEL: "info",
      REGION: "local",
    });
  });

  it("reads and converts values from the environment", () => {
    const config = loadConfig(spec, { GATEWAY_PORT: "8080", LOG_LEVEL: "debug" });
    expect(config.GATEWAY_PORT).toBe(8080);
    expect(config.LOG_LEVEL).toBe("debug");
  });

  it("lists every problem at once", () => {
    const error = (() => {
      try {
        loadConfig(spec, { GATEWAY_PORT: "eighty", LOG_LEVEL: "loud" });
      } catch (e) {
        return e;
      }
    })() as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.problems).toHaveLength(2);
    expect(error.message).toContain("GATEWAY_PORT must be an integer");
    expect(error.message).toContain("LOG_LEVEL must be one of");
  });

  it("refuses a missing secret in production", () => {
    expect(() => loadConfig(spec, { JTS_ENV: "production" })).toThrow("JWT_SECRET is required in production");
  });

  it("refuses the development default secret in production", () => {
    expect(() =>
      loadConfig(spec, { JTS_ENV: "production", JWT_SECRET: "dev-secret-do-not-use-in-production" }),
    ).toThrow("development default");
  });

  it("refuses a short secret in production and accepts a long one", () => {
    expect(() => loadConfig(spec, { NODE_ENV: "production", JWT_SECRET: "short" })).toThrow("at least 32");
    const strong = "x".repeat(40);
    expect(loadConfig(spec, { NODE_ENV: "production", JWT_SECRET: strong }).JWT_SECRET).toBe(strong);
  });
});
