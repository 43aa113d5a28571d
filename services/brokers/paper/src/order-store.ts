import type { Cache, DocumentStore } from "@jts/contracts";
import type { PersistedOrder, PersistedVenue } from "./engine.ts";

/**
 * Where the paper venue keeps its open orders and its ledger across
 * restarts: one value (one cache key, one document), so they are written
 * together and never disagree.
 */
export interface PaperOrderStore {
  load(): Promise<PersistedVenue>;
  save(state: PersistedVenue): Promise<void>;
}

/** What an older version wrote (the open orders alone, no ledger) read as the current shape. */
function read(stored: PersistedVenue | PersistedOrder[] | null | undefined): PersistedVenue {
  if (!stored) return { orders: [], ledger: null };
  return Array.isArray(stored) ? { orders: stored, ledger: null } : stored;
}

/**
 * The open orders and the ledger as one JSON value in the shared cache (Redis in `just dev`
 * and deployments, memory in tests), where the other brokers keep the orders
 * they placed too. The paper book is small (open orders only), so every
 * change rewrites it whole.
 */
export function cacheOrderStore(cache: Cache, key = "paper:open-orders"): PaperOrderStore {
  return {
    async load() {
      const raw = await cache.get(key);
      return read(raw ? (JSON.parse(raw) as PersistedVenue | PersistedOrder[]) : null);
    },
    async save(state) {
      await cache.set(key, JSON.stringify(state));
    },
  };
}

const COLLECTION = "paper-venue";
const NAME = "open-orders";

/**
 * The open orders and the ledger as one document of the documents port: in `just dev` the
 * embedded PostgreSQL that keeps the OMS's orders too (a restart of the whole
 * platform keeps both), memory in tests. This is the only writer of the
 * document; a version conflict (a second paper venue on the same store)
 * re-reads and writes once more, last writer wins.
 */
export function documentOrderStore(documents: DocumentStore): PaperOrderStore {
  let known: { id: string; version: number } | null = null;
  const write = async (state: PersistedVenue) => {
    const current = known ?? (await documents.findByName<PersistedVenue | PersistedOrder[]>(COLLECTION, NAME));
    const saved = current
      ? await documents.update(COLLECTION, current.id, current.version, state)
      : await documents.create(COLLECTION, NAME, state);
    known = { id: saved.id, version: saved.version };
  };
  return {
    async load() {
      const document = await documents.findByName<PersistedVenue | PersistedOrder[]>(COLLECTION, NAME);
      known = document ? { id: document.id, version: document.version } : null;
      return read(document?.body);
    },
    async save(state) {
      try {
        await write(state);
      } catch {
        known = null;
        await write(state);
      }
    },
  };
}
