export { cacheContract } from "./testing/cache-contract.ts";
export { eventBusContract } from "./testing/event-bus-contract.ts";
export { eventually } from "./testing/eventually.ts";
export { orderFixture } from "./testing/fixtures.ts";
export { readJson } from "./testing/json.ts";
export { rateLimiterContract } from "./testing/rate-limiter-contract.ts";
export { rpcContract } from "./testing/rpc-contract.ts";
export { serverUrl } from "./testing/servers.ts";
