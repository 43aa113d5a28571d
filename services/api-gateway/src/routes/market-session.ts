import { isHoliday, krxSchedule, SessionClock, type SessionSchedule } from "@jts/kit";
import { Elysia, t } from "elysia";
import type { RouteContext } from "./context.ts";

/** The states a trader's header shows for KRX: its phases (kit/sessions.ts) plus a holiday told apart from closed. */
export const KrxSessionState = t.Union([
  t.Literal("PRE_OPEN"),
  t.Literal("CONTINUOUS"),
  t.Literal("CLOSING_AUCTION"),
  t.Literal("CLOSED"),
  t.Literal("HOLIDAY"),
]);

export const MarketSession = t.Object({
  market: t.Literal("KRX"),
  state: KrxSessionState,
  /** Why it is not continuous trading (weekend, holiday, hours), as risk words it; empty while open. */
  reason: t.String(),
  /** When this answer was computed (ms since epoch); the state changes at minute boundaries. */
  at: t.Integer(),
});
export type MarketSession = typeof MarketSession.static;

const STATE_OF = {
  OPENING_AUCTION: "PRE_OPEN",
  OPEN: "CONTINUOUS",
  CLOSING_AUCTION: "CLOSING_AUCTION",
  CLOSED: "CLOSED",
} as const;

/** KRX's session state at `nowMs` by the schedule risk trades by (hours, weekends, the configured holidays). */
export function krxSessionAt(schedule: SessionSchedule, nowMs: number, clock = new SessionClock()): MarketSession {
  const phase = clock.phase(schedule, nowMs);
  const state = phase === "CLOSED" && isHoliday(schedule, nowMs) ? "HOLIDAY" : STATE_OF[phase];
  return { market: "KRX", state, reason: phase === "OPEN" ? "" : clock.explain(schedule, nowMs), at: nowMs };
}

/**
 * GET /api/market/sessions: the session state of the markets the PWA's header
 * shows (KRX). The schedule is the one risk and the OMS use (KRX_HOLIDAYS,
 * KRX_HOLIDAYS_FILE), handed over by whoever builds the gateway.
 */
export function marketSessionRoutes(
  { auth }: Pick<RouteContext, "auth">,
  schedule: SessionSchedule = krxSchedule(),
  now: () => number = Date.now,
) {
  const clock = new SessionClock();
  return new Elysia({ prefix: "/api/market" })
    .use(auth)
    .get("/sessions", () => [krxSessionAt(schedule, now(), clock)], { auth: true, response: t.Array(MarketSession) });
}
