import { timingSafeEqual } from "node:crypto";
import { ConfigError, checkSecret, envValue, runMode } from "./config.ts";

/**
 * The service credential: one shared secret that every internal caller
 * signs rpc with (an HMAC key, never sent on the bus: nats/rpc-signature.ts) or
 * presents (`Authorization: Bearer` on a service's HTTP port) and
 * every receiver checks. One secret rather than a key per service because
 * every service runs the same image in the same trust zone, and the gateway
 * already decides who may do what; a per-service key would only add a key
 * registry to operate. The wire transports are locked separately (NATS
 * user/password, Kafka SASL/SCRAM), so a leaked bus password alone does not
 * let anyone command a service.
 */
export const SERVICE_TOKEN_ENV = "JTS_SERVICE_TOKEN";

/**
 * The credential for an environment (JTS_SERVICE_TOKEN, or the file
 * JTS_SERVICE_TOKEN_FILE names). Production refuses a missing or weak
 * one; development and tests generate a random one when unset, which every
 * service of the same process shares (`just dev`), and which a multi-process
 * launcher (`just stack`, test stacks) must generate once and hand to all.
 */
export function resolveServiceCredential(env: Record<string, string | undefined>): string {
  let given: string | undefined;
  try {
    given = envValue(env, SERVICE_TOKEN_ENV);
  } catch (error) {
    throw new ConfigError([(error as Error).message]);
  }
  if (runMode(env) === "production") {
    const weakness = checkSecret(SERVICE_TOKEN_ENV, given, { minLength: 24, minBits: 128 });
    if (weakness) throw new ConfigError([weakness]);
    return given as string;
  }
  return given || randomServiceToken();
}

export function randomServiceToken(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
}

let processCredential: string | undefined;

/** This process's credential, read from `process.env` once. */
export function serviceCredential(): string {
  processCredential ??= resolveServiceCredential(process.env);
  return processCredential;
}

/** Headers for a call to another service's state-changing HTTP route. */
export function serviceAuthHeaders(token: string = serviceCredential()): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** Constant-time comparison, so the credential cannot be guessed byte by byte from response times. */
export function credentialMatches(given: string | null | undefined, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
