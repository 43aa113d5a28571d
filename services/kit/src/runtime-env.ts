import type { Cache, EventBus, Lock, RateLimiter, RpcTransport } from "@jts/contracts";
import { MemoryCache } from "./cache/memory.ts";
import { ConfigError, loadConfig, oneOf, str } from "./config.ts";
import { MemoryEventBus } from "./events/memory.ts";
import { MemoryLock } from "./lock/memory.ts";
import type { Logger } from "./log.ts";
import { MemoryRateLimiter } from "./rate-limit/memory.ts";
import { MemoryRpc } from "./rpc/memory.ts";
import type { Runtime } from "./runtime.ts";

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
  const config = loadConfig(transportConfigSpec, env);
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
    const { KafkaEventBus } = await import("./kafka/event-bus.ts");
    bus = await KafkaEventBus.create({
      brokers: config.KAFKA_BROKERS.split(","),
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
      await connectNats(config.NATS_URL, `${service}-events`),
      ns ? { stream: `JTS_${ns.replaceAll("-", "_").toUpperCase()}`, prefix: `jts-${ns}` } : {},
    );
  }
  if (config.JTS_RPC === "nats") {
    const [{ connectNats }, { NatsRpc }] = await Promise.all([import("./nats/connect.ts"), import("./nats/rpc.ts")]);
    rpc = new NatsRpc(await connectNats(config.NATS_URL, `${service}-rpc`), ns ? { prefix: ns } : {});
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

export async function closeRuntime(runtime: Runtime): Promise<void> {
  await runtime.bus.close();
  await runtime.rpc.close();
  await runtime.cache.close();
  await runtime.limiter.close();
  await runtime.lock.close();
}
