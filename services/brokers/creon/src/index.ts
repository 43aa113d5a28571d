export { bridgeErrorOf, CREON_LIMITS, CREON_VENUE, CreonBridgeClient } from "./bridge-client.ts";
export { CreonBroker } from "./broker.ts";
export { type CreonSettings, loadCreonConfig } from "./config.ts";
export { FakeCreonBridge } from "./fake-bridge.ts";
export { type App, CREON_BROKER, createCreonService } from "./service.ts";
export { CREON_MAX_SUBSCRIPTIONS, CreonStream } from "./stream.ts";
