import { describe, expect, it } from "bun:test";
import { ConfigError, checkSecret, loadConfig } from "./config.ts";
import { kafkaSaslFromEnv } from "./kafka/sasl.ts";

import { natsAuth } from "./nats/connect.ts";
import { runtimeFromEnv, transportAuthProblems, transportConfigSpec } from "./runtime-env.ts";
import { randomServiceToken, resolveServiceCredential } from "./service-credential.ts";
import { silentLogger } from "./testing/logger.ts";

const strong = "q8Vt3kZr9Lm2Xw7Yp4Ns6Hc1Bd5Gf0Ja";

describe("the service credential", () => {
  it("is a random secret per process in development and tests when unset, never a constant", () => {
    const a = resolveServiceCredential({});
    const b = resolveServiceCredential({ JTS_ENV: "test" });
    expect(a).not.toBe(b);
    expect(checkSecret("JTS_SERVICE_TOKEN", a, { minLength: 24, minBits: 128 })).toBeUndefined();
    expect(resolveServiceCredential({ JTS_SERVICE_TOKEN: "given-in-dev" })).toBe("given-in-dev");
  });

  it("is refused in production when missing, a placeholder, short or low in entropy, saying why", () => {
    const refusal = (token?: string) => {
      try {
        resolveServiceCredential({
          JTS_ENV: "production",
          ...(token === undefined ? {} : { JTS_SERVICE_TOKEN: token }),
        });
        return null;
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
    };
    expect(refusal()).toContain("JTS_SERVICE_TOKEN is required in production");
    expect(refusal("CHANGE-ME-example-service-token-0000")).toContain("placeholder");
    expect(refusal("Ab1-short")).toContain("must be at least 24 characters");
    expect(refusal("abababababababababababababababab")).toContain("distinct characters");
    expect(refusal(strong)).toBeNull();
    expect(refusal(randomServiceToken())).toBeNull();
  });

  it("stops a production service from starting without one, before it connects anywhere", async () => {
    const start = runtimeFromEnv(silentLogger, "risk-management", { JTS_ENV: "production" });
    await expect(start).rejects.toThrow("JTS_SERVICE_TOKEN is required in production");
  });
});

describe("bus credentials", () => {
  it("take NATS user and password from the URL first, else NATS_USER and NATS_PASSWORD, and keep them out of the server list", () => {
    expect(natsAuth("nats://jts:s3cr%40t@127.0.0.1:4222", { NATS_USER: "other" })).toEqual({
      servers: ["nats://127.0.0.1:4222"],
      user: "jts",
      pass: "s3cr@t",
    });
    expect(natsAuth("nats://a:4222,nats://b:4222", { NATS_USER: "u", NATS_PASSWORD: "p" })).toEqual({
      servers: ["nats://a:4222", "nats://b:4222"],
      user: "u",
      pass: "p",
    });
    expect(natsAuth("nats://127.0.0.1:4222", {})).toEqual({ servers: ["nats://127.0.0.1:4222"] });
  });

  it("give Kafka SCRAM-SHA-256 by default when a SASL username is set, and nothing without one", () => {
    expect(kafkaSaslFromEnv({})).toBeUndefined();
    expect(kafkaSaslFromEnv({ KAFKA_SASL_USERNAME: "jts", KAFKA_SASL_PASSWORD: "pw" })).toEqual({
      mechanism: "scram-sha-256",
      username: "jts",
      password: "pw",
    });
    expect(() => kafkaSaslFromEnv({ KAFKA_SASL_USERNAME: "jts", KAFKA_SASL_MECHANISM: "gssapi" })).toThrow("one of");
  });

  it("are required in production for the networked transports in use", () => {
    const problems = (env: Record<string, string>) =>
      transportAuthProblems(loadConfig(transportConfigSpec, { JTS_ENV: "production", ...env }));
    expect(problems({ JTS_BUS: "kafka", JTS_RPC: "nats", JTS_CACHE: "redis" })).toEqual([
      "NATS_USER (or credentials in NATS_URL) is required in production",
      "NATS_PASSWORD is required in production",
      "KAFKA_SASL_USERNAME is required in production (SASL/SCRAM)",
      "KAFKA_SASL_PASSWORD is required in production",
    ]);
    expect(
      problems({
        JTS_BUS: "kafka",
        JTS_RPC: "nats",
        JTS_CACHE: "redis",
        NATS_URL: `nats://jts:${strong}@nats:4222`,
        KAFKA_SASL_USERNAME: "jts",
        KAFKA_SASL_PASSWORD: strong,
      }),
    ).toEqual([]);
  });
});
