import { type Cache, type DocumentStore, RiskLimits, RiskLimitsPatch, TradingState } from "@jts/contracts";
import { AppError, compile } from "@jts/kit";
import { t } from "elysia";
import type { BaselineSnapshot, RiskEngine } from "./engine.ts";

export const SETTINGS_COLLECTION = "risk-settings";

/** Redoes one change to limits or states on an engine that has just taken another replica's copy. */
export type Replay = (engine: RiskEngine) => void;

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

const Baselines = t.Object({
  /** Wall clock (ms) of the save: how far back fills risk saw may be redelivered after a restart. */
  savedAtMs: t.Optional(t.Number()),
  accounts: t.Array(
    t.Object({
      account: t.String(),
      day: t.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}$" }),
      currencies: t.Array(
        t.Object({
          currency: t.String(),
          dayStartPnl: t.String(),
          dayStartRealized: t.String(),
          lastPnl: t.String(),
          lastRealized: t.String(),
          peakPnl: t.String(),
          dailyLossTripped: t.Boolean(),
          drawdownTripped: t.Boolean(),
        }),
      ),
    }),
  ),
});
const baselines = compile(Baselines);

interface Found {
  body: unknown;
  where: string;
  /** The document's id and version; absent for a copy in the cache. */
  id?: string;
  version?: number;
}

/**
 * One stored JSON document: in the document store when one is given (the
 * platform's PostgreSQL), in the cache port otherwise. Reads the document
 * first, then the cache, so a copy an earlier version kept in the cache is
 * taken over. Reads and writes run one after another (`serially`).
 */
class StoredDocument {
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly cache: Cache,
    private readonly documents: DocumentStore | undefined,
    private readonly name: string,
    private readonly cacheKey: string,
  ) {}

  /**
   * The stored body, where it came from (the document's id, or the cache key)
   * and the document's version (none in the cache); null when nothing is stored.
   */
  async read(): Promise<Found | null> {
    const doc = await this.documents?.findByName<unknown>(SETTINGS_COLLECTION, this.name);
    if (doc)
      return {
        body: doc.body,
        where: `document ${doc.id} (${this.name}) of collection ${SETTINGS_COLLECTION}`,
        id: doc.id,
        version: doc.version,
      };
    const raw = await this.cache.get(this.cacheKey);
    if (raw === null) return null;
    try {
      return { body: JSON.parse(raw), where: `cache key ${this.cacheKey}` };
    } catch {
      throw new Error(`cache key ${this.cacheKey} is not JSON`);
    }
  }

  write(body: unknown): Promise<void> {
    return this.serially(() => this.put(body));
  }

  /** Runs `task` after every read and write queued before it: a slow read never lands after a newer one. */
  serially<T>(task: () => Promise<T>): Promise<T> {
    const next = this.saving.then(task);
    this.saving = next.then(
      () => {},
      () => {},
    );
    return next;
  }

  /** Stores `body` over the document at `found` (created when there is none); CONFLICT when another write came first. */
  async putAt(found: Found | null, body: unknown): Promise<number | undefined> {
    if (!this.documents) {
      await this.cache.set(this.cacheKey, JSON.stringify(body));
      return undefined;
    }
    if (found?.id !== undefined && found.version !== undefined)
      return (await this.documents.update(SETTINGS_COLLECTION, found.id, found.version, body)).version;
    return (await this.documents.create(SETTINGS_COLLECTION, this.name, body)).version;
  }

  private async put(body: unknown): Promise<void> {
    if (!this.documents) {
      await this.cache.set(this.cacheKey, JSON.stringify(body));
      return;
    }
    for (let attempt = 0; ; attempt++) {
      const doc = await this.documents.findByName(SETTINGS_COLLECTION, this.name);
      try {
        if (doc) await this.documents.update(SETTINGS_COLLECTION, doc.id, doc.version, body);
        else await this.documents.create(SETTINGS_COLLECTION, this.name, body);
        return;
      } catch (error) {
        // Another replica wrote in between: read its version again, twice at most, then give up loudly.
        if (!(error instanceof AppError && error.code === "CONFLICT") || attempt === 2) throw error;
      }
    }
  }
}

/** What `load` found: nothing stored (or nothing new), a copy it applied, or a copy it could not apply (and why). */
export type LoadOutcome =
  | { kind: "none" }
  | { kind: "restored"; savedAtMs?: number }
  | { kind: "unreadable"; why: string };

/** Where the settings live and which copy failed: "collection risk-settings" when the store itself did not answer. */
const whereOf = (found: { where: string } | undefined) => found?.where ?? `collection ${SETTINGS_COLLECTION}`;

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
  private readonly settings: StoredDocument;
  private readonly baselines: StoredDocument;

  /**
   * `settingsDocuments` (default `documents`) carries the settings only: the
   * service passes one that announces each write to the other replicas. Day
   * baselines change with the market, up to once a second, and each replica
   * keeps its own: they go to `documents` unannounced.
   */
  constructor(cache: Cache, documents?: DocumentStore, settingsDocuments: DocumentStore | undefined = documents) {
    this.settings = new StoredDocument(cache, settingsDocuments, "settings", "risk:settings");
    this.baselines = new StoredDocument(cache, documents, "day-baselines", "risk:day-baselines");
  }

  /** The stored version this engine's limits and states were last read from or written as (null: none yet). */
  private version: number | null = null;
  /** Changes made here, already in the engine, not stored yet (oldest first): redone over any copy read before they are. */
  private readonly unstored: Replay[] = [];

  /** Changes made here that are not stored yet (the store failed): the caller retries `flush`. */
  get pending(): number {
    return this.unstored.length;
  }

  /**
   * Stores a change the engine already holds. Another replica may have
   * written since this one last read (its announcement lost or late): then
   * its copy is applied first and `replay` redoes this change on top, so
   * neither write undoes the other (no whole-copy "last writer wins"). A
   * version conflict (two writes at once) reads again and redoes again. When
   * the store fails, the change stays in the engine and in the queue: a later
   * reload redoes it, `flush` stores it.
   */
  save(engine: RiskEngine, replay: Replay): Promise<void> {
    this.unstored.push(replay);
    return this.flush(engine);
  }

  /** Stores the changes not stored yet (none: nothing to do). */
  flush(engine: RiskEngine): Promise<void> {
    return this.settings.serially(async () => {
      for (let attempt = 0; this.unstored.length > 0; attempt++) {
        const found = await this.settings.read();
        if (found?.version !== undefined && found.version !== this.version) {
          // A copy that cannot be applied is never written over: this engine holds only the defaults then, and
          // its copy would become every replica's limits. The change stays queued until the copy is repaired.
          const why = this.apply(engine, found.body);
          if (why !== null)
            throw new AppError("CONFLICT", `the stored risk settings are unreadable (${why}): not written over`);
          this.replayUnstored(engine);
        }
        const included = this.unstored.length;
        const body: Settings = { limits: engine.limits.snapshot(), states: engine.stateSnapshot() };
        try {
          this.version = (await this.settings.putAt(found, body)) ?? null;
          this.unstored.splice(0, included);
        } catch (error) {
          // Another replica wrote in between: read its copy and redo ours, a few times, then give up loudly.
          if (!(error instanceof AppError && error.code === "CONFLICT") || attempt === 4) throw error;
        }
      }
    });
  }

  /** The day baselines and drawdown peaks, apart from the settings: they change with the market, settings by hand. */
  saveBaselines(engine: RiskEngine): Promise<void> {
    engine.baselinesDirty = false;
    return this.baselines.write({ savedAtMs: Date.now(), ...engine.baselineSnapshot() });
  }

  /**
   * Stored baselines, applied before the start-up seed. Unreadable ones are
   * not applied (the caller says so and halts the platform: without them a
   * restart could hide today's loss, as before they were stored).
   */
  async loadBaselines(engine: RiskEngine): Promise<LoadOutcome> {
    let found: { body: unknown; where: string } | null;
    try {
      found = await this.baselines.read();
    } catch (error) {
      return { kind: "unreadable", why: `${whereOf(undefined)}: ${(error as Error).message}` };
    }
    if (found === null) return { kind: "none" };
    const stored = found.body;
    if (!baselines.check(stored))
      return { kind: "unreadable", why: `${found.where}: it does not match the baselines schema` };
    try {
      engine.restoreBaselines(stored as BaselineSnapshot);
    } catch (error) {
      return { kind: "unreadable", why: `${found.where}: ${(error as Error).message}` };
    }
    return stored.savedAtMs === undefined ? { kind: "restored" } : { kind: "restored", savedAtMs: stored.savedAtMs };
  }

  /**
   * Applies the stored limits and states, replacing what the engine holds
   * (at start, when another replica changed them, and on the periodic
   * re-read), then redoes this replica's changes not stored yet. A copy at the
   * version already held is not applied again; one that fails anywhere
   * changes nothing. Queued behind this replica's writes, so an older copy is
   * never applied after a newer one.
   */
  load(engine: RiskEngine): Promise<LoadOutcome> {
    return this.settings.serially(async (): Promise<LoadOutcome> => {
      let found: Found | null;
      try {
        found = await this.settings.read();
      } catch (error) {
        return { kind: "unreadable", why: `${whereOf(undefined)}: ${(error as Error).message}` };
      }
      if (found === null || (found.version !== undefined && found.version === this.version)) return { kind: "none" };
      const why = this.apply(engine, found.body);
      if (why !== null) return { kind: "unreadable", why: `${found.where}: ${why}` };
      this.version = found.version ?? null;
      this.replayUnstored(engine);
      return { kind: "restored" };
    });
  }

  /** Null when `stored` replaced the engine's limits and states, else why it could not (and nothing changed). */
  private apply(engine: RiskEngine, stored: unknown): string | null {
    if (!settings.check(stored)) return "it does not match the settings schema";
    try {
      engine.limits.restore(stored.limits); // validates every limit before it replaces any
      engine.restoreStates(stored.states);
      return null;
    } catch (error) {
      return (error as Error).message;
    }
  }

  private replayUnstored(engine: RiskEngine): void {
    for (const replay of this.unstored) replay(engine);
  }
}
