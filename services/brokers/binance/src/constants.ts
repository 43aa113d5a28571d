import { perWindow, type VenueLimits } from "@jts/broker-kit";

export const BINANCE_VENUE = "binance";

/**
 * Spot limits (exchangeInfo `rateLimits`, November 2026): REQUEST_WEIGHT 6000
 * per minute per IP; ORDERS 100 per 10 s and 200,000 per day per account.
 * `weight-data` is a budget inside `weight` for market-data and account
 * reads (90 %), so bursts of reads never starve order entry of weight.
 */
export const BINANCE_LIMIT_VALUES = {
  weightPerMinute: 6000,
  dataShare: 0.9,
  ordersPer10s: 100,
  ordersPerDay: 200_000,
} as const;

export function binanceLimits(values = BINANCE_LIMIT_VALUES): VenueLimits {
  return {
    orders: {
      scope: "account",
      buckets: [perWindow("10s", values.ordersPer10s, 10_000), perWindow("1d", values.ordersPerDay, 86_400_000)],
    },
    weight: { scope: "ip", buckets: [perWindow("1m", values.weightPerMinute, 60_000)] },
    "weight-data": {
      scope: "ip",
      buckets: [perWindow("1m", Math.floor(values.weightPerMinute * values.dataShare), 60_000)],
    },
  };
}

/** Request weights per endpoint (spot REST docs). */
export const BINANCE_WEIGHTS = {
  time: 1,
  exchangeInfo: 20,
  newOrder: 1,
  cancelOrder: 1,
  queryOrder: 4,
  openOrdersSymbol: 6,
  openOrdersAll: 80,
  account: 20,
  klines: 2,
  userDataStream: 2,
} as const;

/** Connections last 24 h; rotate a little before the venue cuts them. */
export const BINANCE_SOCKET_ROTATE_MS = 23.5 * 3600_000;
/** listenKeys expire after 60 min without a keepalive; the docs suggest one every 30 min. */
export const BINANCE_LISTEN_KEY_KEEPALIVE_MS = 30 * 60_000;
/** How often the offset to the venue's clock is measured (GET /api/v3/time, weight 1): well inside the 2 min the offset alert waits. */
export const BINANCE_CLOCK_REFRESH_MS = 60_000;
