/** The fake Creon bridge and the harness the tests (and the limits proof) point clients at: `@jts/broker-creon/testing`. */
export { type FakeBridgeOptions, FakeCreonBridge } from "./fake-creon.ts";
export { creonHarness, TEST_SECRET } from "./harness.ts";
