import { MemoryCache, MemoryEventBus, MemoryRateLimiter } from "@jts/kit";
import { silentLogger } from "@jts/kit/testing";
import { KisTokens } from "../auth.ts";
import type { KisSettings } from "../config.ts";
import type { KisEnv } from "../constants.ts";
import { type KisHttpOptions, KisRest, kisHttp } from "../rest.ts";
import { FakeKis } from "./fake-kis.ts";

/** A fake KIS and the settings, ports and clients that point at it. */
export function kisHarness(env: KisEnv, options: { requestsPerSecond?: number; http?: Partial<KisHttpOptions> } = {}) {
  const fake = new FakeKis({ env, requestsPerSecond: options.requestsPerSecond }).start();
  const settings: KisSettings = {
    env,
    appKey: fake.appKey,
    appSecret: fake.appSecret,
    cano: "50012345",
    productCode: "01",
    restUrl: fake.url,
    wsUrl: fake.wsUrl,
    account: "kis-test",
  };
  const cache = new MemoryCache();
  const bus = new MemoryEventBus();
  const limiter = new MemoryRateLimiter();
  const http = kisHttp({ settings, limiter, cache, logger: silentLogger, backoffMs: 20, ...options.http });
  const tokens = new KisTokens({ settings, cache, bus, logger: silentLogger, http });
  const rest = new KisRest({ settings, http, tokens, logger: silentLogger });
  return { fake, settings, cache, bus, limiter, http, tokens, rest };
}
