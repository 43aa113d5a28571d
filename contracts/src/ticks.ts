/**
 * Price steps (ticks) by venue and price band, as plain functions on the
 * contracts' types so the OMS, risk and the PWA's order ticket apply the same
 * rule: `tickSizeAt(tickSpecOf(instrument), price)`.
 */

import type { Fixed } from "./decimal.ts";
import * as fx from "./decimal.ts";
import type { Instrument } from "./market.ts";

/** Price bands, lowest first: from `from` (inclusive) up to the next band, prices move in steps of `tick`. */
export type TickTable = ReadonlyArray<{ readonly from: Fixed; readonly tick: Fixed }>;

const table = (rows: ReadonlyArray<readonly [string, string]>): TickTable =>
  rows.map(([from, tick]) => ({ from: fx.toFixed(from), tick: fx.toFixed(tick) }));

/**
 * KRX stocks (KOSPI, KOSDAQ, KONEX), one table for all three markets since
 * 2023-01-25. ETFs/ETNs/ELWs have their own units and are not covered here.
 */
export const KRX_STOCK_TICKS: TickTable = table([
  ["0", "1"],
  ["2000", "5"],
  ["5000", "10"],
  ["20000", "50"],
  ["50000", "100"],
  ["200000", "500"],
  ["500000", "1000"],
]);

/**
 * Upbit KRW market, the table in force since 2025-07-31 (Upbit developer
 * center, "원화(KRW) 마켓 주문 가격 단위"). The bands below 100 KRW are those
 * of the earlier tables, which the 2025 change did not list as changed.
 * USDT-KRW and USDC-KRW use 0.5 from 1,000 to 10,000 KRW; venue adapters that
 * know better should ask the venue (GET /v1/orderbook/instruments).
 */
export const UPBIT_KRW_TICKS: TickTable = table([
  ["0", "0.00000001"],
  ["0.0001", "0.0000001"],
  ["0.001", "0.000001"],
  ["0.01", "0.00001"],
  ["0.1", "0.0001"],
  ["1", "0.001"],
  ["10", "0.01"],
  ["100", "1"],
  ["1000", "1"],
  ["5000", "5"],
  ["10000", "10"],
  ["50000", "50"],
  ["100000", "100"],
  ["500000", "500"],
  ["1000000", "1000"],
]);

/** The tick at `price`: the band with the largest `from` not above it. */
export function tickAt(ticks: TickTable, price: Fixed): Fixed {
  for (let i = ticks.length - 1; i > 0; i--) {
    const band = ticks[i] as TickTable[number];
    if (price >= band.from) return band.tick;
  }
  return (ticks[0] as TickTable[number]).tick;
}

/**
 * Which price-dependent table an instrument follows. KRX stocks (on KIS,
 * Creon, and the sim venue's imitation of 005930) use KRX's; KRW crypto on
 * Upbit and on the sim venue use Upbit's; the rest keep their flat tickSize.
 */
export function tickTableFor(instrument: Instrument): TickTable | null {
  if (instrument.quote !== "KRW") return null;
  const simulated = instrument.venue === "sim" || instrument.venue === "paper";
  if (instrument.kind === "STOCK" && (simulated || instrument.venue === "kis" || instrument.venue === "creon"))
    return KRX_STOCK_TICKS;
  if (instrument.kind === "CRYPTO" && (simulated || instrument.venue === "upbit")) return UPBIT_KRW_TICKS;
  return null;
}

/** What the tick of an instrument depends on: its price-band table, or its flat `tickSize` when it has none. */
export interface TickSpec {
  readonly ticks: TickTable | null;
  readonly flatTick: Fixed;
}

export function tickSpecOf(instrument: Instrument): TickSpec {
  return { ticks: tickTableFor(instrument), flatTick: fx.toFixed(instrument.tickSize) };
}

/** The price step an order at `price` must respect. */
export function tickSizeAt(spec: TickSpec, price: Fixed): Fixed {
  return spec.ticks ? tickAt(spec.ticks, price) : spec.flatTick;
}
