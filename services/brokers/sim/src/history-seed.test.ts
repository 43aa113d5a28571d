import { describe, expect, it } from "bun:test";
import { type Candle, fx, type Tick } from "@jts/contracts";
import { SIM_INSTRUMENTS } from "@jts/kit";
import { historyTicks, seedSimHistory } from "./history-seed.ts";
import { DEFAULT_SIM_SETTINGS } from "./market.ts";

/** 2026-12-07T04:30:20Z: not on a minute, like a real start. */
const NOW = Date.UTC(2026, 11, 7, 4, 30, 20);
const MINUTE_NS = 60_000_000_000n;
const minuteOf = (tick: Tick) => BigInt(tick.tsEvent) / MINUTE_NS;

describe("sim history seed", () => {
  it("draws each symbol's minutes oldest first, four prints a minute, ending at the live feed's starting price before now", () => {
    const ticks = historyTicks(SIM_INSTRUMENTS, { days: 1, nowMs: NOW, seed: 42 });
    for (const instrument of SIM_INSTRUMENTS) {
      const mine = ticks.filter((t) => t.symbol === instrument.symbol);
      expect(mine.length).toBe(1440 * 4);
      const times = mine.map((t) => BigInt(t.tsEvent));
      expect(times.every((ts, i) => i === 0 || ts > (times[i - 1] as bigint))).toBe(true);
      const nowNs = BigInt(NOW) * 1_000_000n;
      expect(times.at(-1)! < nowNs - (nowNs % MINUTE_NS)).toBe(true); // never in the minute the live feed opens
      expect(times[0]! >= nowNs - 86_400_000_000_000n - MINUTE_NS).toBe(true);
      expect(mine.at(-1)?.price).toBe(fx.fromFixed(fx.toFixed(DEFAULT_SIM_SETTINGS[instrument.symbol]!.price)));
      const tick = fx.toFixed(instrument.tickSize);
      for (const t of mine) {
        expect(fx.toFixed(t.price) % tick).toBe(0n);
        expect(fx.toFixed(t.price) > 0n).toBe(true);
        expect(fx.toFixed(t.quantity) % fx.toFixed(instrument.lotSize)).toBe(0n);
      }
    }
  });

  it("makes bars whose open and close lie within their high and low, joined without gaps from one minute to the next", () => {
    const ticks = historyTicks(SIM_INSTRUMENTS.slice(0, 1), { days: 0.5, nowMs: NOW, seed: 7 });
    const prices = ticks.map((t) => fx.toFixed(t.price));
    for (let i = 0; i < prices.length; i += 4) {
      const [open, a, b, close] = prices.slice(i, i + 4) as [bigint, bigint, bigint, bigint];
      const high = fx.max(a, b);
      const low = fx.min(a, b);
      expect(high >= open && high >= close && low <= open && low <= close).toBe(true);
      if (i + 4 < prices.length) expect(prices[i + 4]).toBe(close); // the next minute opens at this close
    }
  });

  it("trades as much in a seeded minute as the live feed does in one (one trade a step), so volume does not jump", () => {
    const volume = (liveIntervalMs: number) =>
      historyTicks(SIM_INSTRUMENTS.slice(0, 1), { days: 1, nowMs: NOW, seed: 5, liveIntervalMs }).reduce(
        (sum, t) => sum + fx.toFixed(t.quantity),
        0n,
      );
    const slow = volume(250); // 240 steps a minute
    const fast = volume(100); // 600 steps a minute
    const ratio = Number((fast * 1000n) / slow) / 1000;
    expect(ratio).toBeGreaterThan(2.3);
    expect(ratio).toBeLessThan(2.7);
    // A live minute at 250 ms: 240 trades of 1 to 3 times tradeLots lots; the seeded one is the same on average.
    const { tradeLots } = DEFAULT_SIM_SETTINGS["BTC-KRW"]!;
    const lot = fx.toFixed(SIM_INSTRUMENTS[0]!.lotSize);
    const perMinute = Number(slow / 1440n) / Number(lot);
    expect(perMinute / (240 * 2 * tradeLots)).toBeGreaterThan(0.9);
    expect(perMinute / (240 * 2 * tradeLots)).toBeLessThan(1.1);
  });

  it("draws the same history for the same seed and another for another seed", () => {
    const draw = (seed: number) => historyTicks(SIM_INSTRUMENTS, { days: 0.1, nowMs: NOW, seed });
    expect(draw(3)).toEqual(draw(3));
    expect(draw(3)).not.toEqual(draw(4));
  });

  it("skips the minutes an instrument does not trade (its session)", () => {
    const stock = SIM_INSTRUMENTS.filter((i) => i.symbol === "005930");
    const evenHours = (_: unknown, minuteMs: number) => new Date(minuteMs).getUTCHours() % 2 === 0;
    const ticks = historyTicks(stock, { days: 1, nowMs: NOW, seed: 1, trades: evenHours });
    expect(ticks.length).toBe(720 * 4);
    expect(ticks.every((t) => new Date(Number(minuteOf(t) * 60_000n)).getUTCHours() % 2 === 0)).toBe(true);
  });

  it("seeds only the symbols the store has no candle of, so a store kept across a restart is left alone", async () => {
    const written: Tick[] = [];
    const store = {
      writeTick: (tick: Tick) => {
        written.push(tick);
      },
      candles: async ({ symbol }: { symbol: string }) =>
        symbol === "BTC-KRW"
          ? [{ symbol } as Candle]
          : written.filter((t) => t.symbol === symbol).map(() => ({}) as Candle),
    };
    const first = await seedSimHistory(store, SIM_INSTRUMENTS, { days: 0.01, nowMs: NOW, seed: 1 });
    expect(first.seeded.sort()).toEqual(["005930", "ETH-KRW"]);
    expect(first.ticks).toBe(written.length);
    expect(written.some((t) => t.symbol === "BTC-KRW")).toBe(false);
    const again = await seedSimHistory(store, SIM_INSTRUMENTS, { days: 0.01, nowMs: NOW, seed: 1 });
    expect(again).toEqual({ seeded: [], ticks: 0 });
    expect(await seedSimHistory(store, [], { days: 0, nowMs: NOW, seed: 1 })).toEqual({ seeded: [], ticks: 0 });
  });
});
