/**
 * `@jts/kit/testing`: what every package's tests share, so no test file writes
 * its own. The contract suites each port implementation passes; `eventually`;
 * `silentLogger` (a logger that writes nothing); domain fixtures that tests
 * override field by field (`orderFixture`, `fillFixture`, `executionReportFixture`,
 * `reportFillFixture`); `readJson`; `serverUrl` for the real test servers.
 * A package's own wiring lives in its own testing module (e.g.
 * `@jts/order-execution/testing`, `@jts/portfolio-tracker/testing`).
 */
export { cacheContract } from "./testing/cache-contract.ts";
export { documentStoreContract } from "./testing/document-store-contract.ts";
export { eventBusContract } from "./testing/event-bus-contract.ts";
export { eventually } from "./testing/eventually.ts";
export { executionReportFixture, fillFixture, orderFixture, reportFillFixture } from "./testing/fixtures.ts";
export { readJson } from "./testing/json.ts";
export { lockContract } from "./testing/lock-contract.ts";
export { silentLogger } from "./testing/logger.ts";
export { freePortBlock } from "./testing/ports.ts";
export { rateLimiterContract } from "./testing/rate-limiter-contract.ts";
export { rpcContract } from "./testing/rpc-contract.ts";
export { serverUrl } from "./testing/servers.ts";
