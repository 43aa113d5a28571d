import { paced, perWindow, type VenueLimits } from "@jts/broker-kit";

export const UPBIT_VENUE = "upbit";

/**
 * Upbit limits (docs "요청 수 제한", November 2026), all per second:
 * - Quotation REST, per IP, per group (market, candle, trade, ticker, orderbook): 10/s.
 * - Exchange REST, per account ("pocket"): `order` (POST /v1/orders, cancel_and_new)
 *   12/s since 2026-08-21 (was 8/s; UPBIT_ORDER_RATE overrides), `order-cancel-all`
 *   (DELETE /v1/orders/open) 1 per 2 s, everything else (`default`) 30/s.
 */
export const UPBIT_LIMIT_VALUES = {
  quotationPerSecond: 10,
  ordersPerSecond: 12,
  exchangePerSecond: 30,
  cancelAllPer2s: 1,
} as const;

export const QUOTATION_GROUPS = ["market", "candle", "trade", "ticker", "orderbook"] as const;
export type QuotationGroup = (typeof QUOTATION_GROUPS)[number];

export function upbitLimits(
  values: { [K in keyof typeof UPBIT_LIMIT_VALUES]: number } = UPBIT_LIMIT_VALUES,
): VenueLimits {
  const limits: VenueLimits = {
    order: { scope: "account", buckets: paced("1s", values.ordersPerSecond, 1000) },
    "order-cancel-all": { scope: "account", buckets: [perWindow("2s", values.cancelAllPer2s, 2000)] },
    default: { scope: "account", buckets: paced("1s", values.exchangePerSecond, 1000) },
  };
  for (const group of QUOTATION_GROUPS)
    limits[group] = { scope: "ip", buckets: paced("1s", values.quotationPerSecond, 1000) };
  return limits;
}

/** Upbit closes sockets idle for about 120 s; a text PING keeps them open. */
export const UPBIT_HEARTBEAT_MS = 60_000;

/**
 * Upbit has no time endpoint: its clock is read off the Date header of every
 * REST answer, and when none came for this long, GET /v1/market/all (the
 * `market` group, used otherwise only at start) is asked for one.
 */
export const UPBIT_CLOCK_PROBE_MS = 60_000;
