import { perWindow, type VenueLimits } from "@jts/broker-kit";

/** Creon's broker name, venue and the prefix of its VenueErrors. */
export const CREON_VENUE = "creon";

/**
 * Creon's request limits, kept on the Linux side so a refusal never reaches
 * the HTS: 20 trade requests and 60 queries per 15 s. 100 ms of guard on each
 * window absorbs the delay between admission here and the call on the
 * Windows host. One budget per Creon login (the bridge URL names the host).
 */
export const CREON_LIMITS: VenueLimits = {
  trade: { scope: "account", buckets: [perWindow("trade", 20, 15_000, 100)] },
  query: { scope: "account", buckets: [perWindow("query", 60, 15_000, 100)] },
};

/** Creon allows at most 400 real-time subscriptions per login. */
export const CREON_MAX_SUBSCRIPTIONS = 400;

/** How often the offset to the bridge host's clock is measured (GET /v1/health costs no Creon request). */
export const CREON_CLOCK_REFRESH_MS = 60_000;
