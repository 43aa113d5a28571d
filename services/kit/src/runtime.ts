import type { Cache, EventBus, Lock, RateLimiter, RpcTransport } from "@jts/contracts";
import { MemoryCache } from "./cache/memory.ts";
import { MemoryEventBus } from "./events/memory.ts";
import { MemoryLock } from "./lock/memory.ts";
import { createLogger, type Logger } from "./log.ts";
import { MemoryRateLimiter } from "./rate-limit/memory.ts";
import { MemoryRpc } from "./rpc/memory.ts";

/** What every service gets from its composition root: the ports and the cross-cutting tools. */
export interface Runtime {
  bus: EventBus;
  rpc: RpcTransport;
  cache: Cache;
  limiter: RateLimiter;
  lock: Lock;
  logger: Logger;
}

/** One set of in-memory ports; `just dev` shares one between all services. */
export function memoryRuntime(logger: Logger = createLogger({ app: "jts" })): Runtime {
  return {
    bus: new MemoryEventBus(),
    rpc: new MemoryRpc(),
    cache: new MemoryCache(),
    limiter: new MemoryRateLimiter(),
    lock: new MemoryLock(),
    logger,
  };
}
