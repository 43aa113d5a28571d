import { type Cache, RiskLimits, RiskLimitsPatch, TradingState } from "@jts/contracts";
import { compile } from "@jts/kit";
import { t } from "elysia";
import type { RiskEngine } from "./engine.ts";

const KEY = "risk:settings";

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
const settings = compile(Settings);

/**
 * Limits and states set at run time outlive a restart through the cache port
 * (Redis in the stack). Written after every change; read once at start. A
 * stored copy that does not match the schema is ignored, never half-applied.
 */
export class RiskSettingsStore {
  constructor(private readonly cache: Cache) {}

  async save(engine: RiskEngine): Promise<void> {
    await this.cache.set(KEY, JSON.stringify({ limits: engine.limits.snapshot(), states: engine.stateSnapshot() }));
  }

  /** True when stored settings were applied. */
  async load(engine: RiskEngine): Promise<boolean> {
    const raw = await this.cache.get(KEY);
    if (raw === null) return false;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return false;
    }
    if (!settings.check(parsed)) return false;
    engine.limits.restore(parsed.limits);
    engine.restoreStates(parsed.states);
    return true;
  }
}
