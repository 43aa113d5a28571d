/**
 * Real-server tests run where the server's URL is set (`.ci/run` and
 * `just stack` start the servers with host/servers and export the URLs);
 * elsewhere they are skipped and say why in the test name.
 */
export function serverUrl(
  name: "REDIS_URL" | "NATS_URL" | "KAFKA_BROKERS" | "DATABASE_URL" | "MONGO_URL",
): string | undefined {
  return process.env[name] || undefined;
}
