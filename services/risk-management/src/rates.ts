import type { Order, RateLimiter, RiskDecision, RiskLimits } from "@jts/contracts";

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
  const scopes = [
    {
      rate: order.strategyId ? limits.strategySubmitRate : undefined,
      key: `risk:strategy:${order.strategyId}`,
      rule: "STRATEGY_SUBMIT_RATE" as const,
      who: `strategy ${order.strategyId}`,
    },
    {
      rate: limits.accountSubmitRate,
      key: `risk:account:${order.account}`,
      rule: "ACCOUNT_SUBMIT_RATE" as const,
      who: `account ${order.account}`,
    },
  ];
  for (const { rate, key, rule, who } of scopes) {
    if (!rate) continue;
    const taken = await limiter.take(key, [{ name: "submit", limit: rate.limit, windowMs: rate.windowMs }]);
    if (!taken.allowed)
      return {
        approved: false,
        rule,
        reason: `${who} may submit ${rate.limit} orders per ${rate.windowMs} ms; retry in ${taken.retryAfterMs} ms`,
        tsEvent: tsEvent(),
      };
  }
  return null;
}
