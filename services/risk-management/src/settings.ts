import { type Cache, type DocumentStore, RiskLimits, RiskLimitsPatch, TradingState } from "@jts/contracts";
import { AppError, compile } from "@jts/kit";
import { t } from "elysia";
import type { RiskEngine } from "./engine.ts";

const KEY = "risk:settings";
export const SETTINGS_COLLECTION = "risk-settings";
const NAME = "settings";

const StateRecord = t.Object({ state: TradingState, reason: t.String(), updatedAt: t.String() });
const Settings = t.Object({
  limits: t.Object({
    defaults: RiskLimits,
    overrides: t.Array(t.Object({ account: t.String(), symbol: t.String(), limits: RiskLimitsPatch })),
  }),
  states: t.Object({
    platform: StateRecord,
    accounts: t.Array(t.Object({ account: t.String(), ...StateRecord.properties })),
  }),
});
type Settings = typeof Settings.static;
const settings = compile(Settings);

/** What `load` found: nothing stored, a copy it applied, or a copy it could not apply (and why). */
export type LoadOutcome = { kind: "none" } | { kind: "restored" } | { kind: "unreadable"; why: string };

/**
 * Limits and states set at run time outlive a restart: in the document store
 * when one is given (PostgreSQL in the platform), in the cache port (Redis in
 * the stack) otherwise. Written after every change; read once at start, from
 * the documents first and then the cache, so a copy an earlier version kept
 * in the cache is taken over. A stored copy that cannot be read or applied is
 * never half-applied; the caller halts the platform instead, because the copy
 * may have held a kill switch that was on.
 */
export class RiskSettingsStore {
  /** Saves run one after another, so the last change is the one stored. */
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly cache: Cache,
    private readonly documents?: DocumentStore,
  ) {}

  save(engine: RiskEngine): Promise<void> {
    const body: Settings = { limits: engine.limits.snapshot(), states: engine.stateSnapshot() };
    const next = this.saving.then(() => this.write(body));
    this.saving = next.catch(() => {});
    return next;
  }

  async load(engine: RiskEngine): Promise<LoadOutcome> {
    let stored: unknown;
    try {
      stored = await this.read();
    } catch (error) {
      return { kind: "unreadable", why: (error as Error).message };
    }
    if (stored === null) return { kind: "none" };
    if (!settings.check(stored)) return { kind: "unreadable", why: "it does not match the settings schema" };
    try {
      engine.limits.restore(stored.limits);
      engine.restoreStates(stored.states);
    } catch (error) {
      return { kind: "unreadable", why: (error as Error).message };
    }
    return { kind: "restored" };
  }

  private async read(): Promise<unknown> {
    const doc = await this.documents?.findByName<unknown>(SETTINGS_COLLECTION, NAME);
    if (doc) return doc.body;
    const raw = await this.cache.get(KEY);
    if (raw === null) return null;
    try {
      return JSON.parse(raw);
    } catch {
      throw new Error("it is not JSON");
    }
  }

  private async write(body: Settings): Promise<void> {
    if (!this.documents) {
      await this.cache.set(KEY, JSON.stringify(body));
      return;
    }
    for (let attempt = 0; ; attempt++) {
      const doc = await this.documents.findByName(SETTINGS_COLLECTION, NAME);
      try {
        if (doc) await this.documents.update(SETTINGS_COLLECTION, doc.id, doc.version, body);
        else await this.documents.create(SETTINGS_COLLECTION, NAME, body);
        return;
      } catch (error) {
        // Another replica wrote in between: read its version again, twice at most, then give up loudly.
        if (!(error instanceof AppError && error.code === "CONFLICT") || attempt === 2) throw error;
      }
    }
  }
}
