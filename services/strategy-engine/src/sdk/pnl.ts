import {
  applyToPosition,
  bookFill,
  type Fixed,
  fx,
  otherCurrencyFee,
  type ParsedFill,
  quoteFee,
  type StrategyPnl,
} from "@jts/contracts";

export interface PnlState {
  position: string;
  averagePrice: string;
  realized: string;
  fees: string;
  /** Fees charged in a third currency (not the quote, not the base); absent in snapshots taken before they were kept. */
  otherFees?: Record<string, string>;
  lastPrice: string | null;
  fills: number;
  closingFills: number;
  winningFills: number;
}

/**
 * A strategy's book from its own fills: average-cost position, realized P&L
 * on the part a fill closes, fees, and unrealized P&L marked to the last
 * price. Long and short, including a fill that flips the side. The
 * contracts' booking rule (`bookFill`, `applyToPosition`): P&L is in the
 * quote currency; a fee charged in the quote counts in `fees` (and so in net
 * P&L), one in the base too at the fill price (and it shrinks the position
 * the fill opened, as the venue credits quantity - fee), one in BNB is kept
 * apart in `otherFees`, unconverted.
 */
export class PnlBook {
  position: Fixed = 0n;
  averagePrice: Fixed = 0n;
  realized: Fixed = 0n;
  fees: Fixed = 0n;
  readonly otherFees = new Map<string, Fixed>();
  lastPrice: Fixed | null = null;
  fills = 0;
  /** Fills that closed some position, and those of them that made money: the win rate. */
  closingFills = 0;
  winningFills = 0;

  onFill(trade: ParsedFill): void {
    const booking = bookFill(trade);
    this.fills++;
    this.fees += quoteFee(booking);
    const other = otherCurrencyFee(booking);
    if (other !== 0n) this.otherFees.set(booking.feeCurrency, (this.otherFees.get(booking.feeCurrency) ?? 0n) + other);
    this.lastPrice ??= booking.price;
    const change = applyToPosition(
      { quantity: this.position, averagePrice: this.averagePrice },
      booking.quantity,
      booking.price,
    );
    if (change.closed > 0n) {
      this.realized += change.realized;
      this.closingFills++;
      if (change.realized > 0n) this.winningFills++;
    }
    this.position = change.quantity;
    this.averagePrice = change.averagePrice;
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
      otherFees: this.otherFeesView(),
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
      otherFees: this.otherFeesView(),
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
    const otherFees = Object.entries(state.otherFees ?? {}).map(
      ([currency, fee]) => [currency, fx.toFixed(fee)] as const,
    );
    const counts = [state.fills, state.closingFills, state.winningFills];
    if (!counts.every((n) => Number.isInteger(n) && n >= 0)) throw new Error("fill counts must be whole numbers");
    Object.assign(this, parsed);
    this.otherFees.clear();
    for (const [currency, fee] of otherFees) this.otherFees.set(currency, fee);
    this.fills = state.fills;
    this.closingFills = state.closingFills;
    this.winningFills = state.winningFills;
  }

  private otherFeesView(): Record<string, string> {
    return Object.fromEntries([...this.otherFees].map(([currency, fee]) => [currency, fx.fromFixed(fee)]));
  }
}
