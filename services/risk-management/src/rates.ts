import type { Order, RateLimiter, RiskDecision, RiskLimits, SubmitRate } from "@jts/contracts";

/**
 * The limiter key of each strategy and account seen, made once: every order
 * takes from one or two windows, and the same key string each time is hashed
 * once (by the memory limiter's map) instead of a new one built per order.
 * Bounded: dropped whole when full, like the risk engine's parsed decimals.
 */
const KEYS_MAX = 4096;
const strategyKeys = new Map<string, string>();
const accountKeys = new Map<string, string>();

/** `prefix + id`, the same string object for the same id (while the cache holds it). */
export function limiterKey(keys: Map<string, string>, prefix: string, id: string): string {
  let key = keys.get(id);
  if (key === undefined) {
    if (keys.size >= KEYS_MAX) keys.clear();
    key = `${prefix}${id}`;
    keys.set(id, key);
  }
  return key;
}

/**
 * The submit-rate limits (per strategy, then per account) through a rate
 * limiter: the refusal, or null when the order fits. The risk service passes
 * the shared limiter (Redis across replicas) on the wall clock; a backtest
 * passes an in-memory one on market time. `tsEvent` stamps a refusal.
 */
export async function submitRateRefusal(
  limiter: RateLimiter,
  limits: RiskLimits,
  order: Order,
  tsEvent: () => string,
): Promise<RiskDecision | null> {
  // The strategy first: a strategy over its rate then takes nothing from its account's window.
  const strategyRate = order.strategyId ? limits.strategySubmitRate : undefined;
  if (strategyRate) {
    const key = limiterKey(strategyKeys, "risk:strategy:", order.strategyId as string);
    const refusal = await take(
      limiter,
      key,
      strategyRate,
      "STRATEGY_SUBMIT_RATE",
      `strategy ${order.strategyId}`,
      tsEvent,
    );
    if (refusal) return refusal;
  }
  const accountRate = limits.accountSubmitRate;
  if (accountRate) {
    const key = limiterKey(accountKeys, "risk:account:", order.account);
    return take(limiter, key, accountRate, "ACCOUNT_SUBMIT_RATE", `account ${order.account}`, tsEvent);
  }
  return null;
}

async function take(
  limiter: RateLimiter,
  key: string,
  rate: SubmitRate,
  rule: "STRATEGY_SUBMIT_RATE" | "ACCOUNT_SUBMIT_RATE",
  who: string,
  tsEvent: () => string,
): Promise<RiskDecision | null> {
  const taken = await limiter.take(key, [{ name: "submit", limit: rate.limit, windowMs: rate.windowMs }]);
  if (taken.allowed) return null;
  return {
    approved: false,
    rule,
    reason: `${who} may submit ${rate.limit} orders per ${rate.windowMs} ms; retry in ${taken.retryAfterMs} ms`,
    tsEvent: tsEvent(),
  };
}
