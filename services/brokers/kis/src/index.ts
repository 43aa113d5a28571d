export { fetchApprovalKey, KisTokens, type TokenSource } from "./auth.ts";
export { type KisSettings, loadKisConfig } from "./config.ts";
export { KisBroker, kisConnector } from "./connector.ts";
export { KIS_REQUESTS_PER_SECOND, KIS_URLS, KIS_VENUE, type KisEnv, kisLimits } from "./constants.ts";
export { parseRealtimeFrame } from "./parse-realtime.ts";
export { KisRest, kisErrorOf, kisHttp } from "./rest.ts";
export { type App, createKisService, KIS_BROKER } from "./service.ts";
export { KisStream } from "./stream.ts";
