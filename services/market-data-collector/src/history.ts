import type { Candle, CandleQuery, Fill, Tick } from "@jts/contracts";
import { CandleBook } from "./candles.ts";

/**
 * Where the collector keeps candle history and answers /candles and rpc
 * md.candles from. The in-memory CandleBook is the default; a time-series
 * store (ClickHouseTickStore from @jts/kit/clickhouse) persists it. A store
 * may buffer writes, so a tick can take a flush interval to show up here;
 * the live bar travels on the bus meanwhile.
 */
export interface CandleHistory {
  writeTick(tick: Tick): void | Promise<void>;
  candles(query: CandleQuery): Promise<Candle[]>;
  /** Keeps executions next to the ticks they traded against (ClickHouse `executions`); optional for stores without it. */
  writeFill?(fill: Fill): void | Promise<void>;
  /** Writes what is buffered, then lets go of the store. */
  close(): Promise<void>;
}

/** CandleBook as a CandleHistory: the last seven days of 1m bars per symbol (room for the sim's seeded days), lost on restart. */
export class MemoryCandleHistory implements CandleHistory {
  constructor(readonly book = new CandleBook(1440 * 7)) {}

  writeTick(tick: Tick): void {
    this.book.add(tick);
  }

  async candles(query: CandleQuery): Promise<Candle[]> {
    return this.book.query(
      query.symbol,
      query.interval ?? "1m",
      query.from ? BigInt(query.from) : undefined,
      query.to ? BigInt(query.to) : undefined,
      query.limit,
    );
  }

  async close(): Promise<void> {}
}
