import Redis from "ioredis";

/**
 * One ioredis connection per use (commands, subscriber): a connection in
 * subscribe mode cannot run commands. Commands fail fast while disconnected
 * instead of queueing forever, so a dead Redis surfaces as an error, not a hang.
 */
export function connectRedis(url: string, name = "jts"): Redis {
  return new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    lazyConnect: false,
  });
}

export async function redisReady(redis: Redis): Promise<boolean> {
  try {
    return (await redis.ping()) === "PONG";
  } catch {
    return false;
  }
}
