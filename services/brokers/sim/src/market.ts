import { fx, type Instrument, type Quote, type Tick } from "@jts/contracts";
import { gaussian, seededRandom } from "./random.ts";

export interface SimSymbolSettings {
  /** Starting mid price. */
  price: string;
  /** Spread in ticks. */
  spreadTicks: number;
  /** Standard deviation of one step, in ticks. */
  volatilityTicks: number;
  /** Typical trade size, in lots. */
  tradeLots: number;
}

export const DEFAULT_SIM_SETTINGS: Record<string, SimSymbolSettings> = {
  "BTC-KRW": { price: "150000000", spreadTicks: 1, volatilityTicks: 20, tradeLots: 500_000 },
  "ETH-KRW": { price: "5000000", spreadTicks: 1, volatilityTicks: 3, tradeLots: 5_000_000 },
  "005930": { price: "71000", spreadTicks: 1, volatilityTicks: 1, tradeLots: 10 },
};

interface SymbolState {
  instrument: Instrument;
  settings: SimSymbolSettings;
  tick: bigint;
  lot: bigint;
  /** Mid price in whole ticks, so every price stays on the tick grid. */
  midTicks: bigint;
  tradeSeq: number;
}

export interface SimStep {
  quote: Quote;
  ticks: Tick[];
}

/**
 * A random-walk market: each step moves the mid by a normal draw of ticks,
 * quotes a spread around it, and prints one trade, or a burst of 5-15 trades
 * on 2% of steps (news, sweeps). The same seed gives the same market.
 */
export class SimMarket {
  private readonly random: () => number;
  private readonly states: SymbolState[];

  constructor(instruments: readonly Instrument[], seed: number, settings = DEFAULT_SIM_SETTINGS) {
    this.random = seededRandom(seed);
    this.states = instruments
      .filter((instrument) => settings[instrument.symbol])
      .map((instrument) => {
        const s = settings[instrument.symbol] as SimSymbolSettings;
        const tick = fx.toFixed(instrument.tickSize);
        return {
          instrument,
          settings: s,
          tick,
          lot: fx.toFixed(instrument.lotSize),
          midTicks: fx.toFixed(s.price) / tick,
          tradeSeq: 0,
        };
      });
  }

  get symbols(): string[] {
    return this.states.map((s) => s.instrument.symbol);
  }

  /** Advances every symbol one step; `tsNs` stamps the events. */
  step(tsNs: bigint): SimStep[] {
    return this.states.map((state) => this.stepSymbol(state, tsNs));
  }

  private stepSymbol(state: SymbolState, tsNs: bigint): SimStep {
    const move = BigInt(Math.round(gaussian(this.random) * state.settings.volatilityTicks));
    const floor = BigInt(state.settings.spreadTicks) * 10n;
    state.midTicks = state.midTicks + move < floor ? floor : state.midTicks + move;
    const half = BigInt(state.settings.spreadTicks);
    const bid = (state.midTicks - half / 2n - (half % 2n)) * state.tick;
    const ask = bid + half * state.tick;
    const ts = tsNs.toString();
    const { symbol, venue } = state.instrument;
    const quote: Quote = {
      symbol,
      venue,
      bid: fx.fromFixed(bid),
      ask: fx.fromFixed(ask),
      bidSize: fx.fromFixed(this.size(state) * 3n),
      askSize: fx.fromFixed(this.size(state) * 3n),
      tsEvent: ts,
    };
    const trades = this.random() < 0.02 ? 5 + Math.floor(this.random() * 11) : 1;
    const ticks: Tick[] = [];
    for (let i = 0; i < trades; i++) {
      const buy = this.random() < 0.5;
      ticks.push({
        symbol,
        venue,
        price: fx.fromFixed(buy ? ask : bid),
        quantity: fx.fromFixed(this.size(state)),
        aggressor: buy ? "BUY" : "SELL",
        tradeId: `${symbol}-${++state.tradeSeq}`,
        tsEvent: ts,
      });
    }
    return { quote, ticks };
  }

  /** Trade size: 1 to 3 times the typical size, whole lots. */
  private size(state: SymbolState): bigint {
    const lots = BigInt(Math.max(1, Math.round(state.settings.tradeLots * (1 + 2 * this.random()))));
    return lots * state.lot;
  }
}
