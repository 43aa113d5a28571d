import { type Account, type Fill, type Fixed, fx, type Position } from "@jts/contracts";

interface Holding {
  quantity: Fixed;
  /** Average cost of the open quantity. */
  averagePrice: Fixed;
}

/** One account as risk sees it: holdings from fills, cash when the account is known to be a cash account, P&L. */
export class AccountBook {
  readonly holdings = new Map<string, Holding>();
  /** Realized P&L net of fees since this service started (plus what a snapshot brought). */
  realized = 0n;
  /** Cash per currency, tracked only for CASH accounts the portfolio told us about. */
  cash: Map<string, Fixed> | null = null;
  /** Daily P&L starts from this P&L; reset at the first evaluation of each trading day. */
  dayStartPnl = 0n;
  /** Trading day (days since the epoch in KST) the baseline belongs to; -1 before the first evaluation. */
  day = -1;
  /** P&L at the previous evaluation: the baseline when a new day starts. */
  lastPnl = 0n;
  peakPnl = 0n;
  dailyLossTripped = false;
  drawdownTripped = false;

  constructor(readonly id: string) {}

  quantity(symbol: string): Fixed {
    return this.holdings.get(symbol)?.quantity ?? 0n;
  }

  /** Average-cost accounting: a fill that reduces a holding realizes (fill - average) x quantity. */
  applyFill(fill: Fill, quote: string): void {
    const quantity = fx.toFixed(fill.quantity);
    const price = fx.toFixed(fill.price);
    const fee = fx.toFixed(fill.fee);
    const signed = fill.side === "BUY" ? quantity : -quantity;
    const holding = this.holdings.get(fill.symbol) ?? { quantity: 0n, averagePrice: 0n };
    const before = holding.quantity;
    const after = before + signed;
    if (before === 0n || before > 0n === signed > 0n) {
      holding.averagePrice = fx.div(
        fx.mul(fx.abs(before), holding.averagePrice) + fx.mul(quantity, price),
        fx.abs(after),
      );
    } else {
      const closed = fx.min(fx.abs(before), quantity);
      const perUnit = before > 0n ? price - holding.averagePrice : holding.averagePrice - price;
      this.realized += fx.mul(closed, perUnit);
      if (after !== 0n && after > 0n !== before > 0n) holding.averagePrice = price; // flipped: the rest opens at this price
    }
    holding.quantity = after;
    if (after === 0n) holding.averagePrice = 0n;
    this.holdings.set(fill.symbol, holding);
    if (fill.feeCurrency === quote) this.realized -= fee;
    if (this.cash) {
      const notional = fx.mul(quantity, price);
      const cash = this.cash.get(quote) ?? 0n;
      this.cash.set(quote, cash + (fill.side === "BUY" ? -notional : notional));
      if (fill.feeCurrency) this.cash.set(fill.feeCurrency, (this.cash.get(fill.feeCurrency) ?? 0n) - fee);
    }
  }

  /** Starts from the portfolio's view after a restart, so limits see what was held before. */
  seedPosition(position: Position): void {
    this.holdings.set(position.symbol, {
      quantity: fx.toFixed(position.quantity),
      averagePrice: fx.toFixed(position.averagePrice),
    });
    this.realized += fx.toFixed(position.realizedPnl);
  }

  seedAccount(account: Account): void {
    if (account.kind !== "CASH") {
      this.cash = null;
      return;
    }
    this.cash = new Map(account.balances.map((b) => [b.currency, fx.toFixed(b.total)]));
  }

  /** Realized plus unrealized at the marks (the average cost where no mark is known). */
  pnl(marks: ReadonlyMap<string, Fixed>): Fixed {
    let unrealized = 0n;
    for (const [symbol, h] of this.holdings) {
      if (h.quantity === 0n) continue;
      const mark = marks.get(symbol) ?? h.averagePrice;
      unrealized += fx.mul(h.quantity, mark - h.averagePrice);
    }
    return this.realized + unrealized;
  }

  /** Sum of |quantity| x mark, leaving out `except` (the order's own instrument, valued by the caller). */
  grossExposure(marks: ReadonlyMap<string, Fixed>, except?: string): Fixed {
    let gross = 0n;
    for (const [symbol, h] of this.holdings) {
      if (symbol === except || h.quantity === 0n) continue;
      gross += fx.mul(fx.abs(h.quantity), marks.get(symbol) ?? h.averagePrice);
    }
    return gross;
  }
}
