/** The fake KIS and the harness the tests (and the limits proof) point clients at: `@jts/broker-kis/testing`. */
export { FakeKis, type FakeKisOptions, type RecordedRequest, tradeRecord } from "./fake-kis.ts";
export { kisHarness } from "./harness.ts";
