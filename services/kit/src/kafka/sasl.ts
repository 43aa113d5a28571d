import type { SASLOptions } from "kafkajs";
import { envValue } from "../config.ts";

export const KAFKA_SASL_MECHANISMS = ["scram-sha-256", "scram-sha-512", "plain"] as const;
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

/**
 * SASL for every Kafka client of the platform from KAFKA_SASL_USERNAME,
 * KAFKA_SASL_PASSWORD (each also from the file its _FILE variable names) and
 * KAFKA_SASL_MECHANISM (scram-sha-256 by default);
 * undefined (no SASL) when no username is set. SCRAM never sends the
 * password itself, which matters on a listener without TLS.
 */
export function kafkaSaslFromEnv(env: Record<string, string | undefined> = process.env): SASLOptions | undefined {
  const username = envValue(env, "KAFKA_SASL_USERNAME");
  if (!username) return undefined;
  const password = envValue(env, "KAFKA_SASL_PASSWORD") ?? "";
  const mechanism = (env.KAFKA_SASL_MECHANISM || "scram-sha-256").toLowerCase();
  if (!(KAFKA_SASL_MECHANISMS as readonly string[]).includes(mechanism))
    throw new Error(`KAFKA_SASL_MECHANISM must be one of ${KAFKA_SASL_MECHANISMS.join(", ")}, got ${mechanism}`);
  return { mechanism: mechanism as KafkaSaslMechanism, username, password } as SASLOptions;
}
