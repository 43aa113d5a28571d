export { KisBroker } from "./broker.ts";
export { type KisEnv, type KisSettings, loadKisConfig } from "./config.ts";
export { FakeKis, tradeRecord } from "./fake-venue.ts";
export { PlaceInFlightError, PlaceOnce } from "./place-once.ts";
export { parseRealtimeFrame } from "./realtime.ts";
export { type BrokerClient, publishReports, publishTicks, serveBroker } from "./serve-broker.ts";
export { type App, createKisService, KIS_BROKER } from "./service.ts";
export { admit, credentialTag, type Fetcher, realSleep, type Sleep } from "./transport.ts";
