import type { Cache } from "@jts/contracts";
import type { PersistedOrder } from "./engine.ts";

/** Where the paper venue keeps its open orders across restarts. */
export interface PaperOrderStore {
  load(): Promise<PersistedOrder[]>;
  save(orders: PersistedOrder[]): Promise<void>;
}

/**
 * The open orders as one JSON value in the shared cache (Redis in `just dev`
 * and deployments, memory in tests), where the other brokers keep the orders
 * they placed too. The paper book is small (open orders only), so every
 * change rewrites it whole.
 */
export function cacheOrderStore(cache: Cache, key = "paper:open-orders"): PaperOrderStore {
  return {
    async load() {
      const raw = await cache.get(key);
      return raw ? (JSON.parse(raw) as PersistedOrder[]) : [];
    },
    async save(orders) {
      await cache.set(key, JSON.stringify(orders));
    },
  };
}
