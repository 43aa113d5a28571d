import { type Fixed, fx, type RiskLimits, type RiskLimitsPatch, type RiskLimitsView } from "@jts/contracts";

/** Limits of one account and instrument, parsed to fixed point once per change. */
export interface ResolvedLimits {
  readonly wire: RiskLimits;
  readonly maxOrderNotional: Fixed;
  readonly maxPositionNotional: Fixed;
  readonly maxGrossExposure: Fixed | null;
  readonly dailyLossLimit: Fixed | null;
  readonly maxDrawdown: Fixed | null;
  readonly duplicateWindowMs: number;
}

const ANY = "";

export interface LimitSnapshot {
  defaults: RiskLimits;
  /** "" stands for any account or any symbol. */
  overrides: Array<{ account: string; symbol: string; limits: RiskLimitsPatch }>;
}

function resolve(wire: RiskLimits): ResolvedLimits {
  const opt = (value: string | undefined) => (value === undefined ? null : fx.toFixed(value));
  return {
    wire,
    maxOrderNotional: fx.toFixed(wire.maxOrderNotional),
    maxPositionNotional: fx.toFixed(wire.maxPositionNotional),
    maxGrossExposure: opt(wire.maxGrossExposure),
    dailyLossLimit: opt(wire.dailyLossLimit),
    maxDrawdown: opt(wire.maxDrawdown),
    duplicateWindowMs: wire.duplicateWindowMs ?? 0,
  };
}

/** Drops keys whose value is undefined, so a patch never erases a limit by accident. */
function defined(patch: RiskLimitsPatch): RiskLimitsPatch {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as RiskLimitsPatch;
}

/**
 * Platform defaults and overrides per account, per instrument, and per
 * account and instrument. The narrowest scope wins: defaults, then the
 * account's, then the instrument's, then the account-and-instrument's.
 * Resolved limits are cached per (account, symbol) and the cache is dropped
 * on every change, so a change applies to the very next order.
 */
export class LimitBook {
  /** account ("" = any) -> symbol ("" = any) -> override. */
  private overrides = new Map<string, Map<string, RiskLimitsPatch>>();
  private readonly cache = new Map<string, Map<string, ResolvedLimits>>();

  constructor(private defaults: RiskLimits) {}

  get platform(): RiskLimits {
    return this.defaults;
  }

  for(account: string, symbol: string = ANY): ResolvedLimits {
    let bySymbol = this.cache.get(account);
    if (!bySymbol) {
      bySymbol = new Map();
      this.cache.set(account, bySymbol);
    }
    let limits = bySymbol.get(symbol);
    if (!limits) {
      limits = resolve({
        ...this.defaults,
        ...this.override(account, ANY),
        ...(symbol === ANY ? {} : this.override(ANY, symbol)),
        ...(symbol === ANY ? {} : this.override(account, symbol)),
      });
      bySymbol.set(symbol, limits);
    }
    return limits;
  }

  /** Merges `patch` into a scope (no account and no symbol: the defaults); `clear` removes the scope's override. */
  set(scope: { account?: string; symbol?: string }, patch: RiskLimitsPatch, clear = false): void {
    const account = scope.account ?? ANY;
    const symbol = scope.symbol ?? ANY;
    if (account === ANY && symbol === ANY) {
      const next = { ...this.defaults, ...defined(patch) };
      resolve(next); // throws on a value that does not parse, before anything changes
      this.defaults = next;
    } else if (clear) {
      this.overrides.get(account)?.delete(symbol);
    } else {
      const next = { ...this.override(account, symbol), ...defined(patch) };
      resolve({ ...this.defaults, ...next });
      let bySymbol = this.overrides.get(account);
      if (!bySymbol) {
        bySymbol = new Map();
        this.overrides.set(account, bySymbol);
      }
      bySymbol.set(symbol, next);
    }
    this.cache.clear();
  }

  /**
   * What rpc risk.limits.get answers: the account's own account-level override
   * (null when none: instrument overrides leave the other instruments open, so
   * they do not make an account's limits "set" for live arming) and its
   * instrument overrides.
   */
  view(account: string | null): RiskLimitsView {
    const scope = account ?? ANY;
    const own = this.overrides.get(scope);
    const symbols = [...(own ?? new Map<string, RiskLimitsPatch>())]
      .filter(([symbol]) => symbol !== ANY)
      .map(([symbol, limits]) => ({ symbol, limits }));
    const accountOverride = own?.get(ANY);
    return {
      account,
      limits: account === null ? this.defaults : (accountOverride ?? null),
      effective: this.for(scope).wire,
      symbols,
    };
  }

  /** Everything set at run time, to survive a restart. */
  snapshot(): LimitSnapshot {
    const overrides: LimitSnapshot["overrides"] = [];
    for (const [account, bySymbol] of this.overrides)
      for (const [symbol, limits] of bySymbol) overrides.push({ account, symbol, limits });
    return { defaults: this.defaults, overrides };
  }

  /**
   * Replaces the defaults and every override with the snapshot's (a restart,
   * or another replica's change). Built aside first: a snapshot with a value
   * that does not parse throws and leaves these limits as they were.
   */
  restore(snapshot: LimitSnapshot): void {
    const next = new LimitBook(this.defaults);
    next.set({}, snapshot.defaults);
    for (const { account, symbol, limits } of snapshot.overrides)
      next.set({ account: account || undefined, symbol: symbol || undefined }, limits);
    this.defaults = next.defaults;
    this.overrides = next.overrides;
    this.cache.clear();
  }

  accounts(): string[] {
    return [...this.overrides.keys()].filter((a) => a !== ANY);
  }

  private override(account: string, symbol: string): RiskLimitsPatch | undefined {
    return this.overrides.get(account)?.get(symbol);
  }
}
