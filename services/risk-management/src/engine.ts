import {
  type Fill,
  type Fixed,
  fx,
  nowNsString,
  type Order,
  type RiskDecision,
  type RiskLimits,
  type RiskStatus,
  type TradingState,
  type TradingStateChange,
} from "@jts/contracts";
import type { InstrumentCatalog } from "@jts/kit";

/**
 * Pre-trade risk. Every refusal names its rule and a reason a trader can act
 * on. Positions come from fills; prices from ticks, so a MARKET order's
 * notional uses the last trade price.
 */
export class RiskEngine {
  private state: TradingState = "ACTIVE";
  private reason = "start";
  private updatedAt = nowNsString();
  private readonly positions = new Map<string, Fixed>();
  private readonly lastPrices = new Map<string, Fixed>();
  private limitsFixed: { maxOrderNotional: Fixed; maxPositionNotional: Fixed };

  constructor(
    private readonly catalog: InstrumentCatalog,
    private limits: RiskLimits,
  ) {
    this.limitsFixed = toFixedLimits(limits);
  }

  status(): RiskStatus {
    return { state: this.state, limits: this.limits, reason: this.reason, updatedAt: this.updatedAt };
  }

  setLimits(limits: RiskLimits) {
    this.limitsFixed = toFixedLimits(limits);
    this.limits = limits;
  }

  /** Returns the change, or null when the state was already `state`. */
  setState(state: TradingState, reason: string, changedBy: string): TradingStateChange | null {
    if (state === this.state) return null;
    const change: TradingStateChange = {
      account: null,
      state,
      previous: this.state,
      reason,
      changedBy,
      cancelOpenOrders: false,
      tsEvent: nowNsString(),
    };
    this.state = state;
    this.reason = reason;
    this.updatedAt = change.tsEvent;
    return change;
  }

  onPrice(symbol: string, price: string) {
    this.lastPrices.set(symbol, fx.toFixed(price));
  }

  onFill(fill: Fill) {
    const key = `${fill.account}|${fill.symbol}`;
    const signed = fill.side === "BUY" ? fx.toFixed(fill.quantity) : -fx.toFixed(fill.quantity);
    this.positions.set(key, (this.positions.get(key) ?? 0n) + signed);
  }

  position(account: string, symbol: string): Fixed {
    return this.positions.get(`${account}|${symbol}`) ?? 0n;
  }

  check(order: Order): RiskDecision {
    const refuse = (rule: string, reason: string): RiskDecision => ({
      approved: false,
      rule,
      reason,
      tsEvent: nowNsString(),
    });
    if (this.state === "HALTED")
      return refuse("TRADING_HALTED", `trading is HALTED (${this.reason}): only cancels pass`);
    const instrument = this.catalog.find(order.symbol);
    if (!instrument) return refuse("UNKNOWN_INSTRUMENT", `unknown instrument ${order.symbol}`);
    const quantity = fx.toFixed(order.quantity);
    if (quantity <= 0n) return refuse("QUANTITY", "quantity must be greater than zero");
    const price = order.price ? fx.toFixed(order.price) : this.lastPrices.get(order.symbol);
    if (price === undefined) return refuse("NO_PRICE", `no market price for ${order.symbol} to value the order`);
    if (price <= 0n) return refuse("PRICE", "price must be greater than zero");

    const notional = fx.mul(price, quantity);
    if (notional > this.limitsFixed.maxOrderNotional) {
      return refuse(
        "MAX_ORDER_NOTIONAL",
        `order notional ${fx.fromFixed(notional)} ${instrument.quote} exceeds the limit ${this.limits.maxOrderNotional}`,
      );
    }
    const current = this.position(order.account, order.symbol);
    const signed = order.side === "BUY" ? quantity : -quantity;
    const after = current + signed;
    const reduces = fx.abs(after) < fx.abs(current) && (current > 0n ? after >= 0n : after <= 0n);
    if (this.state === "REDUCING" && !reduces)
      return refuse("REDUCING_ONLY", "trading is REDUCING: only orders that reduce a position pass");
    const positionNotional = fx.mul(fx.abs(after), price);
    if (!reduces && positionNotional > this.limitsFixed.maxPositionNotional) {
      return refuse(
        "MAX_POSITION",
        `position in ${order.symbol} would be worth ${fx.fromFixed(positionNotional)} ${instrument.quote}, above the limit ${this.limits.maxPositionNotional}`,
      );
    }
    return { approved: true, rule: null, reason: null, tsEvent: nowNsString() };
  }
}

function toFixedLimits(limits: RiskLimits) {
  return {
    maxOrderNotional: fx.toFixed(limits.maxOrderNotional),
    maxPositionNotional: fx.toFixed(limits.maxPositionNotional),
  };
}
