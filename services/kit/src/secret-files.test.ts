import { afterAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, envValue, int, loadConfig, oneOf, secret, str } from "./config.ts";
import { kafkaSaslFromEnv } from "./kafka/sasl.ts";
import { natsAuth } from "./nats/connect.ts";
import { transportAuthProblems, transportConfigSpec } from "./runtime-env.ts";
import { resolveServiceCredential } from "./service-credential.ts";

// Secrets from files (<NAME>_FILE, the Docker/compose secrets convention), for every
// value the kit reads: loadConfig's fields, the service credential, NATS and Kafka auth.
const dir = mkdtempSync(join(tmpdir(), "jts-secret-files-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
/** A file holding `content` exactly as given (trailing newline included when given). */
function secretFile(content: string): string {
  const path = join(dir, `secret-${++files}`);
  writeFileSync(path, content, { mode: 0o600 });
  return path;
}

const strong = "q8Vt3kZr9Lm2Xw7Yp4Ns6Hc1Bd5Gf0Ja";
const spec = { JWT_SECRET: secret("dev-secret-do-not-use-in-production", 32), REGION: str("local") };

function problemsOf(read: () => unknown): string[] {
  try {
    read();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("envValue: a variable or the file its _FILE names", () => {
  it("reads the file and strips its one trailing newline, not the value's other characters", () => {
    expect(envValue({ X_FILE: secretFile(`${strong}\n`) }, "X")).toBe(strong);
    expect(envValue({ X_FILE: secretFile(`${strong}\r\n`) }, "X")).toBe(strong);
    expect(envValue({ X_FILE: secretFile(strong) }, "X")).toBe(strong);
    // Only the one newline `echo` writes: a value of spaces or an inner newline is the value.
    expect(envValue({ X_FILE: secretFile(" a b \n\n") }, "X")).toBe(" a b \n");
  });

  it("takes the variable when no file is named, and an empty variable counts as unset", () => {
    expect(envValue({ X: "direct" }, "X")).toBe("direct");
    expect(envValue({}, "X")).toBeUndefined();
    // compose passes `X: ${X:-}` as "" beside X_FILE.
    expect(envValue({ X: "", X_FILE: secretFile("from-file\n") }, "X")).toBe("from-file");
    expect(envValue({ X: "direct", X_FILE: "" }, "X")).toBe("direct");
  });

  it("refuses both set, naming both, rather than guessing which secret is live", () => {
    expect(() => envValue({ X: "direct", X_FILE: secretFile("file") }, "X")).toThrow(
      "X and X_FILE are both set: keep one",
    );
  });

  it("refuses a file it cannot read, naming it, instead of falling back to a default", () => {
    const missing = join(dir, "no-such-file");
    expect(() => envValue({ X_FILE: missing }, "X")).toThrow(`X_FILE: cannot read ${missing} (ENOENT)`);
  });
});

describe("envValue reads files, not devices, and a refusal never prints a file's content", () => {
  it("refuses a device, a directory or an oversized file at once, naming it (/dev/zero would hang the start)", () => {
    expect(() => envValue({ X_FILE: "/dev/zero" }, "X")).toThrow("X_FILE: /dev/zero is not a regular file");
    expect(() => envValue({ X_FILE: dir }, "X")).toThrow(`X_FILE: ${dir} is not a regular file`);
    const big = secretFile("a".repeat(64 * 1024 + 1));
    expect(() => envValue({ X_FILE: big }, "X")).toThrow(`X_FILE: ${big} is larger than 65536 bytes`);
  });

  it("a non-secret field given a secret's file by mistake is refused without echoing the secret", () => {
    const path = secretFile(`${strong}\n`);
    const problems = problemsOf(() =>
      loadConfig(
        { GATEWAY_PORT: int(3000), LOG_LEVEL: oneOf(["info", "debug"] as const, "info") },
        { GATEWAY_PORT_FILE: path, LOG_LEVEL_FILE: path },
      ),
    );
    expect(problems).toHaveLength(2);
    for (const problem of problems) {
      expect(problem).not.toContain(strong);
      expect(problem).toContain(`the content of ${path}`);
    }
  });
});

describe("loadConfig reads every field from <NAME>_FILE too", () => {
  it("a secret from a file in production, held to the same rules as one from the environment", () => {
    const config = loadConfig(spec, { JTS_ENV: "production", JWT_SECRET_FILE: secretFile(`${strong}\n`) });
    expect(config.JWT_SECRET).toBe(strong);
    expect(loadConfig(spec, { REGION_FILE: secretFile("eu\n") }).REGION).toBe("eu");
  });

  it("production refuses a placeholder, the dev default or a weak secret from a file", () => {
    const production = (content: string) =>
      problemsOf(() => loadConfig(spec, { JTS_ENV: "production", JWT_SECRET_FILE: secretFile(content) }));
    expect(production("CHANGE-ME-example-jwt-secret-not-a-real-one-000000\n")[0]).toContain("placeholder");
    expect(production("dev-secret-do-not-use-in-production\n")[0]).toContain("development default");
    expect(production("short\n")[0]).toContain("at least 32");
    // An empty file is a missing secret, not an empty one that passes.
    expect(production("\n")[0]).toBe("JWT_SECRET is required in production");
  });

  it("lists a both-set or unreadable file with the other problems, at once", () => {
    const problems = problemsOf(() =>
      loadConfig(spec, {
        JWT_SECRET: strong,
        JWT_SECRET_FILE: secretFile(strong),
        REGION_FILE: join(dir, "missing-region"),
      }),
    );
    expect(problems).toEqual([
      "JWT_SECRET and JWT_SECRET_FILE are both set: keep one (the file, for a secret)",
      `REGION_FILE: cannot read ${join(dir, "missing-region")} (ENOENT)`,
    ]);
  });
});

describe("the kit's own secret readers take files too", () => {
  it("the service credential (JTS_SERVICE_TOKEN_FILE), checked in production, refused when both are set", () => {
    const token = "Zq8Vt3kZr9Lm2Xw7Yp4Ns6Hc1Bd5Gf0Ja-1";
    expect(resolveServiceCredential({ JTS_ENV: "production", JTS_SERVICE_TOKEN_FILE: secretFile(`${token}\n`) })).toBe(
      token,
    );
    expect(() =>
      resolveServiceCredential({
        JTS_ENV: "production",
        JTS_SERVICE_TOKEN_FILE: secretFile("CHANGE-ME-example-service-token-not-a-real-one\n"),
      }),
    ).toThrow("placeholder");
    expect(() =>
      resolveServiceCredential({ JTS_SERVICE_TOKEN: token, JTS_SERVICE_TOKEN_FILE: secretFile(token) }),
    ).toThrow(ConfigError);
  });

  it("NATS and Kafka passwords from files reach the clients, and production checks them", () => {
    const env = {
      JTS_ENV: "production",
      JTS_BUS: "kafka",
      JTS_RPC: "nats",
      JTS_CACHE: "redis",
      NATS_USER: "jts",
      NATS_PASSWORD_FILE: secretFile(`${strong}\n`),
      KAFKA_SASL_USERNAME: "jts",
      KAFKA_SASL_PASSWORD_FILE: secretFile(`${strong}-k\n`),
    };
    expect(natsAuth("nats://nats:4222", env)).toEqual({ servers: ["nats://nats:4222"], user: "jts", pass: strong });
    expect(kafkaSaslFromEnv(env)).toEqual({ mechanism: "scram-sha-256", username: "jts", password: `${strong}-k` });
    expect(transportAuthProblems(loadConfig(transportConfigSpec, env))).toEqual([]);
    const weak = { ...env, NATS_PASSWORD_FILE: secretFile("password\n") };
    expect(transportAuthProblems(loadConfig(transportConfigSpec, weak)).join("\n")).toContain("NATS_PASSWORD");
  });
});
