import type { Cache, DocumentStore } from "@jts/contracts";
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

const COLLECTION = "paper-venue";
const NAME = "open-orders";

/**
 * The open orders as one document of the documents port: in `just dev` the
 * embedded PostgreSQL that keeps the OMS's orders too (a restart of the whole
 * platform keeps both), memory in tests. This is the only writer of the
 * document; a version conflict (a second paper venue on the same store)
 * re-reads and writes once more, last writer wins.
 */
export function documentOrderStore(documents: DocumentStore): PaperOrderStore {
  let known: { id: string; version: number } | null = null;
  const write = async (orders: PersistedOrder[]) => {
    const current = known ?? (await documents.findByName<PersistedOrder[]>(COLLECTION, NAME));
    const saved = current
      ? await documents.update(COLLECTION, current.id, current.version, orders)
      : await documents.create(COLLECTION, NAME, orders);
    known = { id: saved.id, version: saved.version };
  };
  return {
    async load() {
      const document = await documents.findByName<PersistedOrder[]>(COLLECTION, NAME);
      known = document ? { id: document.id, version: document.version } : null;
      return document?.body ?? [];
    },
    async save(orders) {
      try {
        await write(orders);
      } catch {
        known = null;
        await write(orders);
      }
    },
  };
}
