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
  constructor(private readonly documents: DocumentStore) {}

  async load(id: string): Promise<RunnerState | null> {
    return (await this.documents.findByName<RunnerState>(STRATEGY_STATE_COLLECTION, id))?.body ?? null;
  }

  async save(id: string, state: RunnerState): Promise<void> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const doc = await this.documents.findByName<RunnerState>(STRATEGY_STATE_COLLECTION, id);
      try {
        if (doc) await this.documents.update(STRATEGY_STATE_COLLECTION, doc.id, doc.version, state);
        else await this.documents.create(STRATEGY_STATE_COLLECTION, id, state);
        return;
      } catch (error) {
        // Another writer got in between: read again once, then give up loudly.
        if (!(error instanceof AppError && error.code === "CONFLICT") || attempt === 1) throw error;
      }
    }
  }
}
