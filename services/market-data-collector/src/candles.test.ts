import { describe, expect, it } from "bun:test";
import type { Tick } from "@jts/contracts";
import { CandleBook } from "./candles.ts";

const MIN = 60_000_000_000n;
const tick = (minute: bigint, second: number, price: string, quantity = "1"): Tick => ({
  symbol: "005930",
  venue: "sim",
  price,
  quantity,
  aggressor: "BUY",
  tradeId: `${minute}-${second}`,
  tsEvent: (minute * MIN + BigInt(second) * 1_000_000_000n).toString(),
});

describe("candle book", () => {
  it("builds a 1m OHLCV bar from the ticks of one minute", () => {
    const book = new CandleBook();
    book.add(tick(100n, 1, "71000", "3"));
    book.add(tick(100n, 20, "71500"));
    book.add(tick(100n, 40, "70800"));
    expect(book.add(tick(100n, 59, "71100", "2"))).toEqual({ opened: false, closed: null });
    const current = book.current("005930");
    expect(current).toMatchObject({
      open: "71000",
      high: "71500",
      low: "70800",
      close: "71100",
      volume: "7",
      trades: 4,
      closed: false,
    });
    expect(current?.tsOpen).toBe((100n * MIN).toString());
  });

  it("closes the bar when a tick opens the next minute", () => {
    const book = new CandleBook();
    book.add(tick(100n, 1, "71000"));
    const { closed, opened } = book.add(tick(101n, 0, "71200"));
    expect(opened).toBe(true);
    expect(closed).toMatchObject({ close: "71000", closed: true });
    expect(book.current("005930")).toMatchObject({ open: "71200", closed: false });
  });

  it("rolls 1m bars up to 5m and filters by time", () => {
    const book = new CandleBook();
    for (let m = 100n; m < 110n; m++) book.add(tick(m, 0, (71000n + m).toString()));
    const fiveMinute = book.query("005930", "5m");
    expect(fiveMinute).toHaveLength(2);
    expect(fiveMinute[0]).toMatchObject({
      open: "71100",
      close: "71104",
      high: "71104",
      low: "71100",
      trades: 5,
      closed: true,
    });
    expect(fiveMinute[1]).toMatchObject({ open: "71105", close: "71109", closed: false });
    expect(book.query("005930", "1m", 105n * MIN, 106n * MIN).map((c) => c.close)).toEqual(["71105", "71106"]);
  });

  it("answers no candles for a symbol it never saw", () => {
    expect(new CandleBook().query("BTC-KRW", "1m")).toEqual([]);
  });
});
