/** The session schedules moved to the kit, so the OMS and the paper venue expire DAY orders by them too. */
export { sessionConfigSpec, sessionsFor } from "@jts/kit";
