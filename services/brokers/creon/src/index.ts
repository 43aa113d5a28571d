export { signature, signedHeaders, signedStreamUrl } from "./auth.ts";
export { type CreonSettings, loadCreonConfig } from "./config.ts";
export { CreonBroker, creonConnector } from "./connector.ts";
export { CREON_LIMITS, CREON_MAX_SUBSCRIPTIONS, CREON_VENUE } from "./constants.ts";
export { parseTrade } from "./parse.ts";
export { bridgeErrorOf, CreonBridgeClient } from "./rest.ts";
export { type App, CREON_BROKER, createCreonService } from "./service.ts";
export { CreonStream } from "./stream.ts";
