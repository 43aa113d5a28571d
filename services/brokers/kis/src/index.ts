export { KisBroker } from "./broker.ts";
export { type KisEnv, type KisSettings, loadKisConfig } from "./config.ts";
export { KIS_VENUE, kisErrorOf } from "./errors.ts";
export { FakeKis, tradeRecord } from "./fake-venue.ts";
export { KisRest, kisHttp, kisLimits } from "./http-client.ts";
export { krxCashOrderProblem } from "./krx.ts";
export { parseRealtimeFrame } from "./realtime.ts";
export { type App, createKisService, KIS_BROKER } from "./service.ts";
