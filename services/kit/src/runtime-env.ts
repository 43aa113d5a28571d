import type { Cache, EventBus, Lock, RateLimiter, RpcTransport } from "@jts/contracts";
import { MemoryCache } from "./cache/memory.ts";
import { ConfigError, checkSecret, loadConfig, oneOf, runMode, str } from "./config.ts";
import { MemoryEventBus } from "./events/memory.ts";
import { MemoryLock } from "./lock/memory.ts";
import type { Logger } from "./log.ts";
import { MemoryRateLimiter } from "./rate-limit/memory.ts";
import { MemoryRpc } from "./rpc/memory.ts";
import type { Runtime } from "./runtime.ts";
import { resolveServiceCredential } from "./service-credential.ts";

/** Which adapter serves each port; every URL is configurable, defaults are the standard local ports. */
export const transportConfigSpec = {
  // A service in a process of its own (runStandalone) on memory ports talks to no one: refused in production.
  JTS_BUS: oneOf(["memory", "kafka", "nats"] as const, "memory", {
    notInProduction: { value: "memory", why: "events would never leave this process (set kafka or nats)" },
  }),
  JTS_RPC: oneOf(["memory", "nats"] as const, "memory", {
    notInProduction: { value: "memory", why: "rpc calls would never leave this process (set nats)" },
  }),
  JTS_CACHE: oneOf(["memory", "redis"] as const, "memory", {
    notInProduction: {
      value: "memory",
      why: "sessions, rate limits and locks would be per process and lost on restart (set redis)",
    },
  }),
  KAFKA_BROKERS: str("127.0.0.1:9092"),
  NATS_URL: str("nats://127.0.0.1:4222"),
  REDIS_URL: str("redis://127.0.0.1:6379"),
  /** NATS user/password (or put them in NATS_URL); required in production when NATS carries rpc or events. */
  NATS_USER: str(""),
  NATS_PASSWORD: str(""),
  /** Kafka SASL/SCRAM; required in production when Kafka carries events. */
  KAFKA_SASL_USERNAME: str(""),
  KAFKA_SASL_PASSWORD: str(""),
  KAFKA_SASL_MECHANISM: oneOf(["scram-sha-256", "scram-sha-512", "plain"] as const, "scram-sha-256"),
  /** Keeps several platforms on one set of servers apart (tests, staging next to dev): prefixes topics, subjects, keys. */
  JTS_NAMESPACE: str(""),
};

/**
 * Builds the ports a process was configured for. One process with every
 * service uses memory everywhere; a service in a process of its own uses
 * Kafka or JetStream for events, NATS for rpc and Redis for the cache and
 * rate limits. Drivers load only when chosen.
 */
export async function runtimeFromEnv(
  logger: Logger,
  service: string,
  env: Record<string, string | undefined> = process.env,
): Promise<Runtime> {
  const { config, credential } = transportSettings(env);
  const ns = config.JTS_NAMESPACE;
  if (ns && !/^[a-z0-9-]{1,32}$/.test(ns)) throw new ConfigError(["JTS_NAMESPACE must be 1-32 of a-z, 0-9 and -"]);
  if (config.JTS_BUS === "memory" && (config.JTS_RPC !== "memory" || config.JTS_CACHE !== "memory")) {
    throw new ConfigError([
      "JTS_BUS=memory cannot be mixed with networked rpc or cache: events would not leave the process",
    ]);
  }
  let bus: EventBus = new MemoryEventBus();
  let rpc: RpcTransport = new MemoryRpc();
  let cache: Cache = new MemoryCache();
  let limiter: RateLimiter = new MemoryRateLimiter();
  let lock: Lock = new MemoryLock();

  if (config.JTS_BUS === "kafka") {
    const [{ KafkaEventBus }, { kafkaSaslFromEnv }] = await Promise.all([
      import("./kafka/event-bus.ts"),
      import("./kafka/sasl.ts"),
    ]);
    bus = await KafkaEventBus.create({
      brokers: config.KAFKA_BROKERS.split(","),
      sasl: kafkaSaslFromEnv(env),
      clientId: service,
      logger,
      ...(ns ? { namespace: `${ns}.` } : {}),
    });
  } else if (config.JTS_BUS === "nats") {
    const [{ connectNats }, { JetStreamEventBus }] = await Promise.all([
      import("./nats/connect.ts"),
      import("./nats/jetstream.ts"),
    ]);
    bus = await JetStreamEventBus.create(
      await connectNats(config.NATS_URL, `${service}-events`, env),
      ns ? { stream: `JTS_${ns.replaceAll("-", "_").toUpperCase()}`, prefix: `jts-${ns}` } : {},
    );
  }
  if (config.JTS_RPC === "nats") {
    const [{ connectNats }, { NatsRpc }] = await Promise.all([import("./nats/connect.ts"), import("./nats/rpc.ts")]);
    rpc = new NatsRpc(await connectNats(config.NATS_URL, `${service}-rpc`, env), {
      credential,
      ...(ns ? { prefix: ns } : {}),
    });
  }
  if (config.JTS_CACHE === "redis") {
    const [{ connectRedis }, { RedisCache }, { RedisRateLimiter }, { RedisLock }] = await Promise.all([
      import("./redis/connect.ts"),
      import("./redis/cache.ts"),
      import("./redis/rate-limiter.ts"),
      import("./redis/lock.ts"),
    ]);
    const prefix = ns ? `jts:${ns}:` : "jts:";
    cache = new RedisCache(connectRedis(config.REDIS_URL, `${service}-cache`), prefix);
    limiter = new RedisRateLimiter(connectRedis(config.REDIS_URL, `${service}-limits`), `${prefix}rl:`);
    lock = new RedisLock(connectRedis(config.REDIS_URL, `${service}-locks`), `${prefix}lock:`);
  }
  logger.info("transports", {
    bus: config.JTS_BUS,
    rpc: config.JTS_RPC,
    cache: config.JTS_CACHE,
    namespace: ns || null,
  });
  return { bus, rpc, cache, limiter, lock, logger };
}

type TransportConfig = ReturnType<typeof loadConfig<typeof transportConfigSpec>>;

/**
 * The transport settings and the service credential, with every problem of
 * both listed in one ConfigError before anything connects (production: bus
 * credentials, a weak or missing JTS_SERVICE_TOKEN).
 */
function transportSettings(env: Record<string, string | undefined>): {
  config: TransportConfig;
  credential: string;
} {
  const problems: string[] = [];
  const attempt = <T>(read: () => T): T | undefined => {
    try {
      return read();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
      return undefined;
    }
  };
  const config = attempt(() => loadConfig(transportConfigSpec, env));
  const credential = attempt(() => resolveServiceCredential(env));
  if (config && runMode(env) === "production") problems.push(...transportAuthProblems(config));
  if (problems.length > 0 || !config || credential === undefined) throw new ConfigError(problems);
  return { config, credential };
}

/** Production's networked transports must authenticate: what is missing or weak, one line each. */
export function transportAuthProblems(config: TransportConfig): string[] {
  const problems: string[] = [];
  if (config.JTS_RPC === "nats" || config.JTS_BUS === "nats") {
    const inUrl = /:\/\/[^@/,]+:[^@/,]+@/.test(config.NATS_URL);
    if (!inUrl) {
      if (!config.NATS_USER) problems.push("NATS_USER (or credentials in NATS_URL) is required in production");
      const weakness = checkSecret("NATS_PASSWORD", config.NATS_PASSWORD, { minLength: 16, minBits: 64 });
      if (weakness) problems.push(weakness);
    }
  }
  if (config.JTS_BUS === "kafka") {
    if (!config.KAFKA_SASL_USERNAME) problems.push("KAFKA_SASL_USERNAME is required in production (SASL/SCRAM)");
    const weakness = checkSecret("KAFKA_SASL_PASSWORD", config.KAFKA_SASL_PASSWORD, { minLength: 16, minBits: 64 });
    if (weakness) problems.push(weakness);
  }
  return problems;
}

export async function closeRuntime(runtime: Runtime): Promise<void> {
  await runtime.bus.close();
  await runtime.rpc.close();
  await runtime.cache.close();
  await runtime.limiter.close();
  await runtime.lock.close();
}
