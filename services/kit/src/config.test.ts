import { describe, expect, it } from "bun:test";
import { ConfigError, durableStoreUrl, int, loadConfig, oneOf, secret, str } from "./config.ts";

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

  it("refuses a short secret in production and accepts a long random one", () => {
    expect(() => loadConfig(spec, { NODE_ENV: "production", JWT_SECRET: "short" })).toThrow("at least 32");
    const strong = "9f2c4e71a0b85d36e2f1c7a94b0d83e5a61f2c7d";
    expect(loadConfig(spec, { NODE_ENV: "production", JWT_SECRET: strong }).JWT_SECRET).toBe(strong);
  });

  it("refuses placeholders and weak secrets in production, saying why", () => {
    const refusal = (value: string) => {
      try {
        loadConfig(spec, { JTS_ENV: "production", JWT_SECRET: value });
      } catch (e) {
        return (e as Error).message;
      }
      return "accepted";
    };
    expect(refusal("CHANGE-ME-example-jwt-secret-not-a-real-one-000000")).toContain("placeholder");
    expect(refusal("x".repeat(40))).toContain("distinct characters");
    // 32 digits: long enough, only ~106 bits by its character class.
    expect(refusal("01234567890123456789012345678901")).toContain("too weak: about 106 bits");
  });

  it("refuses an unknown JTS_ENV instead of falling back to development", () => {
    expect(() => loadConfig(spec, { JTS_ENV: "prod" })).toThrow(
      'JTS_ENV must be one of development, test, production, got "prod"',
    );
    expect(loadConfig(spec, { JTS_ENV: "test" }).mode).toBe("test");
  });

  it("refuses a value marked not for production, and a missing durable store", () => {
    const stores = {
      JTS_BUS: oneOf(["memory", "kafka"] as const, "memory", {
        notInProduction: { value: "memory", why: "events stay here" },
      }),
      DATABASE_URL: durableStoreUrl("orders"),
    };
    expect(loadConfig(stores, {}).JTS_BUS).toBe("memory");
    expect(() => loadConfig(stores, { JTS_ENV: "production" })).toThrow(
      /JTS_BUS=memory is refused in production: events stay here[\s\S]*DATABASE_URL is required in production: without it orders/,
    );
  });
});
