import { appendFileSync, existsSync, readFileSync, rmSync } from "node:fs";
import { run } from "./proc.ts";

export type ServerName = "redis" | "nats" | "kafka";

export interface ServerUrls {
  REDIS_URL?: string;
  NATS_URL?: string;
  KAFKA_BROKERS?: string;
}

/** The variable that names each server; set (e.g. by `eval "$(host/servers/all env)"`), it is used as it is. */
const URL_ENV: Record<ServerName, keyof ServerUrls> = { redis: "REDIS_URL", nats: "NATS_URL", kafka: "KAFKA_BROKERS" };

/**
 * Where the runner collects the servers its scenarios started (one name a
 * line): scenarios run in child processes, so the list is a file named in the
 * environment they inherit. Unset when a worker runs on its own.
 */
export const STARTED_SERVERS_ENV = "BENCH_STARTED_SERVERS_FILE";

/**
 * Every `NAME=value` of `export` lines as `host/servers/<name> env` prints them; one line
 * may carry several (`export NATS_USER=jts NATS_PASSWORD=...`), and a value may be quoted.
 */
export function parseExports(printed: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const line of printed.split("\n")) {
    if (!line.startsWith("export ")) continue;
    for (const match of line.slice("export ".length).matchAll(/(\w+)=('[^']*'|\S+)/g))
      found[match[1] as string] = (match[2] as string).replace(/^'(.*)'$/, "$1");
  }
  return found;
}

/** True when `host/servers/<name> start` launched the server (rather than finding it running). */
export function launchedByStart(output: string): boolean {
  return /\bstarted pid \d+/.test(output);
}

/**
 * Stops the servers listed in `file` (each once) and removes the file: the
 * runner's last step, so `just bench` leaves running only what ran before it.
 */
export async function stopStartedServers(
  file: string,
  stop: (name: ServerName) => Promise<unknown> = (name) => run([`host/servers/${name}`, "stop"]),
): Promise<ServerName[]> {
  if (!existsSync(file)) return [];
  const names = [...new Set(readFileSync(file, "utf8").split("\n").filter(Boolean))] as ServerName[];
  for (const name of names) await stop(name);
  rmSync(file, { force: true });
  return names;
}

/**
 * Starts (or finds running) the loopback servers of host/servers, the same
 * scripts `just test` uses, and returns their URLs. Servers already running
 * are used as they are and left running; one this call launched is noted in
 * the runner's list (STARTED_SERVERS_ENV), which stops it at the end of the run.
 * A server whose URL is already in the environment is taken from there and
 * not started: a git worktree's scripts do not own the servers another
 * checkout started (their pidfiles live in that checkout), and would refuse
 * the taken port.
 */
export async function ensureServers(
  names: ServerName[],
): Promise<{ urls: ServerUrls; failed: Record<string, string> }> {
  const urls: ServerUrls = {};
  const failed: Record<string, string> = {};
  for (const name of names) {
    const given = process.env[URL_ENV[name]];
    if (given) {
      urls[URL_ENV[name]] = given;
      continue;
    }
    try {
      const started = await run([`host/servers/${name}`, "start"]);
      const list = process.env[STARTED_SERVERS_ENV];
      if (list && launchedByStart(started)) appendFileSync(list, `${name}\n`);
      const env = await run([`host/servers/${name}`, "env"]);
      for (const [name, value] of Object.entries(parseExports(env))) {
        if ((Object.values(URL_ENV) as string[]).includes(name)) (urls as Record<string, string>)[name] = value;
        // Credentials (NATS_PASSWORD, KAFKA_SASL_*) reach the scenarios' child processes through the environment.
        else process.env[name] ??= value;
      }
    } catch (error) {
      failed[name] = (error as Error).message.slice(0, 500);
    }
  }
  return { urls, failed };
}

/**
 * Removes what a bench namespace left on the shared servers: Kafka topics and groups, the
 * JetStream stream, Redis keys. The servers want credentials (NATS_USER/NATS_PASSWORD,
 * KAFKA_SASL_*): they come from `credentials`, the environment the namespace's processes
 * had; without them every step was refused and, being best effort, left everything behind.
 */
export async function cleanNamespace(
  ns: string,
  urls: ServerUrls,
  credentials: Record<string, string | undefined> = process.env,
): Promise<void> {
  if (urls.KAFKA_BROKERS) {
    const { Kafka, logLevel } = await import("kafkajs");
    const { kafkaSaslFromEnv } = await import("@jts/kit/kafka");
    const sasl = kafkaSaslFromEnv(credentials);
    const admin = new Kafka({
      brokers: urls.KAFKA_BROKERS.split(","),
      logLevel: logLevel.NOTHING,
      ...(sasl ? { sasl } : {}),
    }).admin();
    try {
      await admin.connect();
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${ns}.`));
      const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(`${ns}.`));
      if (groups.length > 0) await admin.deleteGroups(groups).catch(() => {});
      if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => {});
    } catch {
      // best effort
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }
  if (urls.NATS_URL) {
    const { connect } = await import("nats");
    const { natsAuth } = await import("@jts/kit/nats");
    try {
      const nc = await connect(natsAuth(urls.NATS_URL, credentials));
      const jsm = await nc.jetstreamManager();
      await jsm.streams.delete(`JTS_${ns.replaceAll("-", "_").toUpperCase()}`).catch(() => {});
      await nc.close();
    } catch {
      // best effort
    }
  }
  if (urls.REDIS_URL) {
    const { default: Redis } = await import("ioredis");
    const redis = new Redis(urls.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", `jts:${ns}:*`, "COUNT", 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== "0");
    } catch {
      // best effort
    } finally {
      redis.disconnect();
    }
  }
}
