import { MemoryCache, MemoryRateLimiter } from "@jts/kit";
import { silentLogger } from "@jts/kit/testing";
import type { CreonSettings } from "../config.ts";
import { CreonBroker } from "../connector.ts";
import { CreonBridgeClient } from "../rest.ts";
import { type FakeBridgeOptions, FakeCreonBridge } from "./fake-creon.ts";

export const TEST_SECRET = "test-bridge-secret-0123456789abcdef";

/** A fake bridge and a broker pointed at it. */
export function creonHarness(options: Partial<FakeBridgeOptions> = {}) {
  const fake = new FakeCreonBridge({ secret: TEST_SECRET, ...options }).start();
  const settings: CreonSettings = {
    bridgeUrl: fake.url,
    bridgeSecret: TEST_SECRET,
    creonAccount: "12345678",
    productCode: "01",
    account: "creon-test",
  };
  const cache = new MemoryCache();
  const limiter = new MemoryRateLimiter();
  const client = new CreonBridgeClient({ baseUrl: fake.url, secret: TEST_SECRET, limiter, logger: silentLogger });
  const broker = new CreonBroker(settings, client, cache, silentLogger);
  return { fake, settings, cache, limiter, client, broker };
}
