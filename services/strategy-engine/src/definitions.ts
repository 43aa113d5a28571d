import { type DocumentStore, StrategyConfig, type StrategyParams } from "@jts/contracts";
import { AppError, compile, type Logger, readDocuments, type UnreadableDocument } from "@jts/kit";

export const STRATEGY_COLLECTION = "strategies";
const strategyConfig = compile(StrategyConfig);

/**
 * Strategy definitions live in the documents port (MongoDB, PostgreSQL JSONB
 * or memory), one document per strategy named by its id, so parameters and
 * the on/off switch survive a restart and every engine instance reads the same.
 */
export class StrategyDefinitions {
  /** Stored definitions the last load skipped, by id and why (/ready shows them). */
  unreadable: UnreadableDocument[] = [];

  constructor(
    private readonly documents: DocumentStore,
    private readonly logger: Logger,
  ) {}

  /** Stored definitions, with any seed not stored yet added first (a fresh install gets the defaults). */
  async loadOrSeed(seeds: readonly StrategyConfig[]): Promise<StrategyConfig[]> {
    for (const seed of seeds) {
      if (await this.documents.findByName(STRATEGY_COLLECTION, seed.id)) continue;
      await this.documents.create(STRATEGY_COLLECTION, seed.id, seed).catch((error: unknown) => {
        // Another engine instance seeded it a moment ago.
        if (!(error instanceof AppError && error.code === "CONFLICT")) throw error;
      });
    }
    const { documents, unreadable } = await readDocuments(this.documents, STRATEGY_COLLECTION, strategyConfig);
    for (const bad of unreadable)
      this.logger.error("ignoring an unreadable strategy definition", { id: bad.id, name: bad.name, why: bad.why });
    this.unreadable = unreadable;
    return documents.map((doc) => doc.body);
  }

  /**
   * One stored definition as it is now (another engine instance changed it)
   * and its version, so the caller can drop a read older than one it applied;
   * null when gone or unreadable.
   */
  async read(documentId: string): Promise<{ config: StrategyConfig; version: number } | null> {
    const doc = await this.documents.get<unknown>(STRATEGY_COLLECTION, documentId);
    if (!doc) return null;
    if (strategyConfig.check(doc.body)) return { config: doc.body, version: doc.version };
    this.logger.error("ignoring an unreadable strategy definition", { id: doc.id, name: doc.name });
    return null;
  }

  /** Stores a new definition; CONFLICT when the id is taken. */
  async create(config: StrategyConfig): Promise<void> {
    await this.documents.create(STRATEGY_COLLECTION, config.id, config);
  }

  async setEnabled(id: string, enabled: boolean): Promise<void> {
    await this.patch(id, { enabled });
  }

  async setParams(id: string, params: StrategyParams): Promise<void> {
    await this.patch(id, { params });
  }

  /** Retries once when another writer got in between. */
  private async patch(id: string, change: Partial<StrategyConfig>): Promise<void> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const doc = await this.documents.findByName<StrategyConfig>(STRATEGY_COLLECTION, id);
      if (!doc) return;
      try {
        await this.documents.update(STRATEGY_COLLECTION, doc.id, doc.version, { ...doc.body, ...change });
        return;
      } catch (error) {
        if (!(error instanceof AppError && error.code === "CONFLICT") || attempt === 1) throw error;
      }
    }
  }
}
