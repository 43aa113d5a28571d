import type { DocumentStore } from "@jts/contracts";
import { AppError } from "@jts/kit";
import type { RunnerState } from "./sdk/runner.ts";

export const STRATEGY_STATE_COLLECTION = "strategy-state";

/**
 * Each strategy's runtime state (indicator windows, position, P&L, order
 * sequence) as one document named by the strategy id, next to the
 * definitions, so a restarted engine carries on where it stopped instead of
 * warming up flat and forgetting what it holds.
 */
export class StrategyStateStore {
  /** Id and version of each document this store last wrote, so a save is one update, not a read and an update. */
  private readonly written = new Map<string, { id: string; version: number }>();

  constructor(private readonly documents: DocumentStore) {}

  async load(id: string): Promise<RunnerState | null> {
    return (await this.documents.findByName<RunnerState>(STRATEGY_STATE_COLLECTION, id))?.body ?? null;
  }

  async save(id: string, state: RunnerState): Promise<void> {
    const known = this.written.get(id);
    if (known) {
      try {
        const doc = await this.documents.update(STRATEGY_STATE_COLLECTION, known.id, known.version, state);
        this.written.set(id, { id: doc.id, version: doc.version });
        return;
      } catch (error) {
        // Someone else wrote or deleted it since: fall through to read it again.
        if (!(error instanceof AppError && (error.code === "CONFLICT" || error.code === "NOT_FOUND"))) throw error;
        this.written.delete(id);
      }
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      const doc = await this.documents.findByName<RunnerState>(STRATEGY_STATE_COLLECTION, id);
      try {
        const saved = doc
          ? await this.documents.update(STRATEGY_STATE_COLLECTION, doc.id, doc.version, state)
          : await this.documents.create(STRATEGY_STATE_COLLECTION, id, state);
        this.written.set(id, { id: saved.id, version: saved.version });
        return;
      } catch (error) {
        // Another writer got in between: read again once, then give up loudly.
        if (!(error instanceof AppError && error.code === "CONFLICT") || attempt === 1) throw error;
      }
    }
  }
}
