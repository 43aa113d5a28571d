import { paced, type VenueLimits } from "@jts/broker-kit";

/** KIS's broker name, venue and the prefix of its VenueErrors. */
export const KIS_VENUE = "kis";

/**
 * Everything environment-specific about KIS switches together on KIS_ENV:
 * URLs, transaction ids and request limits.
 */
export type KisEnv = "paper" | "live";

export const KIS_URLS = {
  live: { rest: "https://openapi.koreainvestment.com:9443", ws: "ws://ops.koreainvestment.com:21000" },
  paper: { rest: "https://openapivts.koreainvestment.com:29443", ws: "ws://ops.koreainvestment.com:31000" },
} as const;

/** KIS: 20 REST requests per second per app key live, 2 on the paper (VTS) server. */
export const KIS_REQUESTS_PER_SECOND: Record<KisEnv, number> = { live: 20, paper: 2 };

/**
 * Requests are admitted by a sliding window slightly longer than KIS's one
 * second: a request admitted at t reaches KIS at t + network delay, and the
 * delay varies, so a window of exactly 1000 ms at the limiter could show 21
 * requests in some second at the venue. 50 ms of guard costs 5% of the budget.
 */
export const WINDOW_GUARD_MS = 50;

/**
 * One budget per environment and app key: every REST call costs one request
 * of it. Paced (at most a quarter of the second's budget at once): with all 20
 * sent in one burst, one late arrival of the burst and the next window's burst
 * land in the same second at KIS; the 30 s proof saw 29 in a second at load 14.
 */
export function kisLimits(env: KisEnv): VenueLimits {
  return {
    rest: { scope: "account", buckets: paced("rest", KIS_REQUESTS_PER_SECOND[env], 1000, WINDOW_GUARD_MS) },
  };
}

/** Token issuance: KIS answers EGW00133 to a second /oauth2/tokenP within a minute. */
export const TOKEN_REISSUE_INTERVAL_MS = 60_000;

/** KIS allows 41 real-time registrations per app key (notice of 2025-08). */
export const KIS_MAX_REGISTRATIONS = 41;

/** EGW00201: more transactions per second than allowed. */
export const RATE_LIMIT_CODE = "EGW00201";
/** EGW00133: a token was already issued in the last minute. */
export const TOKEN_THROTTLED_CODE = "EGW00133";
/** EGW00123: the access token expired; EGW00121: the token is invalid. */
export const AUTH_CODES: ReadonlySet<string> = new Set(["EGW00123", "EGW00121"]);

/**
 * Transaction ids of the live server (the 2024 set; TTTC0802U/0801U/0803U
 * and TTTC8001R are their retired predecessors). The paper server takes the
 * same ids with the leading T, J or C replaced by V.
 */
export const LIVE_TR_IDS = {
  buy: "TTTC0012U",
  sell: "TTTC0011U",
  reviseCancel: "TTTC0013U",
  dailyOrders: "TTTC0081R",
  balance: "TTTC8434R",
} as const;

export type TrName = keyof typeof LIVE_TR_IDS;

export function trId(name: TrName, env: KisEnv): string {
  const live = LIVE_TR_IDS[name];
  return env === "paper" ? paperTrId(live) : live;
}

export function paperTrId(live: string): string {
  return /^[TJC]/.test(live) ? `V${live.slice(1)}` : live;
}
