import { type Fixed, fx, type Side, type StrategyPnl } from "@jts/contracts";

export interface PnlState {
  position: string;
  averagePrice: string;
  realized: string;
  fees: string;
  lastPrice: string | null;
  fills: number;
  closingFills: number;
  winningFills: number;
}

/**
 * A strategy's book from its own fills: average-cost position, realized P&L
 * on the part a fill closes, fees, and unrealized P&L marked to the last
 * price. Long and short, including a fill that flips the side.
 */
export class PnlBook {
  position: Fixed = 0n;
  averagePrice: Fixed = 0n;
  realized: Fixed = 0n;
  fees: Fixed = 0n;
  lastPrice: Fixed | null = null;
  fills = 0;
  /** Fills that closed some position, and those of them that made money: the win rate. */
  closingFills = 0;
  winningFills = 0;

  onFill(side: Side, quantity: Fixed, price: Fixed, fee: Fixed): void {
    const signed = side === "BUY" ? quantity : -quantity;
    this.fills++;
    this.fees += fee;
    this.lastPrice ??= price;
    if (this.position !== 0n && this.position > 0n !== signed > 0n) {
      const closed = fx.min(fx.abs(signed), fx.abs(this.position));
      const perUnit = this.position > 0n ? price - this.averagePrice : this.averagePrice - price;
      const gain = fx.mul(perUnit, closed);
      this.realized += gain;
      this.closingFills++;
      if (gain > 0n) this.winningFills++;
    }
    const after = this.position + signed;
    if (after === 0n) this.averagePrice = 0n;
    else if (this.position === 0n || this.position > 0n !== after > 0n) this.averagePrice = price;
    else if (fx.abs(after) > fx.abs(this.position)) {
      // Adding to the position: weighted average cost.
      const cost = fx.mul(this.averagePrice, fx.abs(this.position)) + fx.mul(price, quantity);
      this.averagePrice = fx.div(cost, fx.abs(after));
    }
    this.position = after;
  }

  mark(price: Fixed): void {
    this.lastPrice = price;
  }

  unrealized(): Fixed {
    if (this.position === 0n || this.lastPrice === null) return 0n;
    return fx.mul(this.lastPrice - this.averagePrice, this.position);
  }

  net(): Fixed {
    return this.realized + this.unrealized() - this.fees;
  }

  view(): StrategyPnl {
    return {
      position: fx.fromFixed(this.position),
      averagePrice: fx.fromFixed(this.averagePrice),
      realizedPnl: fx.fromFixed(this.realized),
      unrealizedPnl: fx.fromFixed(this.unrealized()),
      fees: fx.fromFixed(this.fees),
      netPnl: fx.fromFixed(this.net()),
      lastPrice: this.lastPrice === null ? null : fx.fromFixed(this.lastPrice),
      fills: this.fills,
    };
  }

  snapshot(): PnlState {
    return {
      position: fx.fromFixed(this.position),
      averagePrice: fx.fromFixed(this.averagePrice),
      realized: fx.fromFixed(this.realized),
      fees: fx.fromFixed(this.fees),
      lastPrice: this.lastPrice === null ? null : fx.fromFixed(this.lastPrice),
      fills: this.fills,
      closingFills: this.closingFills,
      winningFills: this.winningFills,
    };
  }

  /** All or nothing: a malformed field throws before anything changes. */
  restore(state: PnlState): void {
    const parsed = {
      position: fx.toFixed(state.position),
      averagePrice: fx.toFixed(state.averagePrice),
      realized: fx.toFixed(state.realized),
      fees: fx.toFixed(state.fees),
      lastPrice: state.lastPrice === null ? null : fx.toFixed(state.lastPrice),
    };
    const counts = [state.fills, state.closingFills, state.winningFills];
    if (!counts.every((n) => Number.isInteger(n) && n >= 0)) throw new Error("fill counts must be whole numbers");
    Object.assign(this, parsed);
    this.fills = state.fills;
    this.closingFills = state.closingFills;
    this.winningFills = state.winningFills;
  }
}
