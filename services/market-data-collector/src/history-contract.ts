import { describe, expect, it } from "bun:test";
import type { Tick } from "@jts/contracts";
import type { CandleHistory } from "./history.ts";

export interface HistoryUnderTest {
  history: CandleHistory;
  /** Makes every tick written so far readable (a store that buffers flushes here). */
  settle(): Promise<void>;
}

const MIN = 60_000_000_000n;
/** 2026-11-02T00:00:00Z. */
const DAY0 = BigInt(Date.UTC(2026, 10, 2)) * 1_000_000n;
const at = (minute: number, second = 0) => DAY0 + BigInt(minute) * MIN + BigInt(second) * 1_000_000_000n;

let seq = 0;
const tick = (symbol: string, minute: number, second: number, price: string, quantity = "1"): Tick => ({
  symbol,
  venue: "sim",
  price,
  quantity,
  aggressor: "BUY",
  tradeId: `h${++seq}`,
  tsEvent: at(minute, second).toString(),
});

/**
 * What every CandleHistory answers the same way, in-memory or ClickHouse.
 * Ticks arrive in time order here: the in-memory book folds a late tick into
 * the current bar, ClickHouse files it under its own minute.
 */
export function candleHistoryContract(name: string, open: () => Promise<HistoryUnderTest>) {
  describe(`candle history: ${name}`, () => {
    const withHistory = async (ticks: Tick[], check: (history: CandleHistory) => Promise<void>) => {
      const { history, settle } = await open();
      try {
        for (const t of ticks) await history.writeTick(t);
        await settle();
        await check(history);
      } finally {
        await history.close();
      }
    };

    it("builds exact 1m bars and leaves only the newest one open", () =>
      withHistory(
        [
          tick("005930", 0, 1, "71000", "0.1"),
          tick("005930", 0, 20, "71500", "0.2"),
          tick("005930", 0, 40, "70800"),
          tick("005930", 1, 0, "71200"),
        ],
        async (history) => {
          expect(await history.candles({ symbol: "005930" })).toEqual([
            {
              symbol: "005930",
              venue: "sim",
              interval: "1m",
              tsOpen: at(0).toString(),
              open: "71000",
              high: "71500",
              low: "70800",
              close: "70800",
              volume: "1.3",
              trades: 3,
              closed: true,
            },
            {
              symbol: "005930",
              venue: "sim",
              interval: "1m",
              tsOpen: at(1).toString(),
              open: "71200",
              high: "71200",
              low: "71200",
              close: "71200",
              volume: "1",
              trades: 1,
              closed: false,
            },
          ]);
        },
      ));

    it("rolls up to 5m and filters by open time and limit", () =>
      withHistory(
        Array.from({ length: 10 }, (_, m) => tick("BTC-KRW", m, 0, String(71000 + m))),
        async (history) => {
          const five = await history.candles({ symbol: "BTC-KRW", interval: "5m" });
          expect(five.map((c) => [c.open, c.high, c.low, c.close, c.trades, c.closed])).toEqual([
            ["71000", "71004", "71000", "71004", 5, true],
            ["71005", "71009", "71005", "71009", 5, false],
          ]);
          const range = await history.candles({ symbol: "BTC-KRW", from: at(5).toString(), to: at(6).toString() });
          expect(range.map((c) => c.close)).toEqual(["71005", "71006"]);
          const newest = await history.candles({ symbol: "BTC-KRW", limit: 2 });
          expect(newest.map((c) => c.close)).toEqual(["71008", "71009"]);
        },
      ));

    it("pages back for a chart scrolling left: `to` just before the oldest bar shown and `limit` give the bars before it", () =>
      withHistory(
        Array.from({ length: 30 }, (_, m) => tick("BTC-KRW", m, 0, String(72000 + m))),
        async (history) => {
          const shown = await history.candles({ symbol: "BTC-KRW", limit: 10 });
          expect(shown.map((c) => c.close)).toEqual(Array.from({ length: 10 }, (_, i) => String(72020 + i)));
          const oldest = BigInt(shown[0]?.tsOpen ?? "0");
          const page = await history.candles({ symbol: "BTC-KRW", to: (oldest - 1n).toString(), limit: 10 });
          expect(page.map((c) => c.close)).toEqual(Array.from({ length: 10 }, (_, i) => String(72010 + i)));
          expect(page.every((c) => c.closed)).toBe(true);
          const last = await history.candles({ symbol: "BTC-KRW", to: (at(10) - 1n).toString(), limit: 50 });
          expect(last.map((c) => c.close)).toEqual(Array.from({ length: 10 }, (_, i) => String(72000 + i)));
          expect(await history.candles({ symbol: "BTC-KRW", to: (at(0) - 1n).toString(), limit: 10 })).toEqual([]);
        },
      ));

    it("answers no candles for a symbol it never saw", () =>
      withHistory([], async (history) => {
        expect(await history.candles({ symbol: "ETH-KRW", interval: "1h" })).toEqual([]);
      }));
  });
}
