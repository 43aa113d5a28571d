/** The fake Upbit the tests (and the limits proof) point the connector at: `@jts/broker-upbit/testing`. */
export { FakeUpbit, type FakeUpbitOptions } from "./fake-upbit.ts";
