import { afterEach, describe, expect, it } from "bun:test";
import { silentLogger } from "@jts/kit/testing";
import { KisTokens } from "./auth.ts";
import { trId } from "./constants.ts";
import { balanceQuery } from "./parse.ts";
import { KisRest, kisHttp } from "./rest.ts";
import type { FakeKis } from "./testing/fake-kis.ts";
import { kisHarness } from "./testing/harness.ts";

let fake: FakeKis | undefined;
afterEach(async () => {
  await fake?.stop();
});

const BALANCE = "/uapi/domestic-stock/v1/trading/inquire-balance";

describe("KIS REST client", () => {
  it("sends the documented headers and the environment's tr_id", async () => {
    for (const env of ["live", "paper"] as const) {
      const h = kisHarness(env);
      fake = h.fake;
      await h.rest.get(BALANCE, trId("balance", env), balanceQuery(h.settings));
      const request = h.fake.requests.find((r) => r.path === BALANCE);
      expect(request?.headers).toMatchObject({
        "content-type": "application/json; charset=utf-8",
        authorization: `Bearer ${h.fake.tokensIssued[0]}`,
        appkey: h.fake.appKey,
        appsecret: h.fake.appSecret,
        tr_id: env === "live" ? "TTTC8434R" : "VTTC8434R",
        custtype: "P",
      });
      expect(request?.body).toMatchObject({ CANO: "50012345", ACNT_PRDT_CD: "01", INQR_DVSN: "02" });
      await h.fake.stop();
    }
  });

  for (const kind of ["429", "EGW00201"] as const) {
    it(`backs off and retries when KIS answers ${kind}`, async () => {
      const h = kisHarness("live");
      fake = h.fake;
      const waits: number[] = [];
      const http = kisHttp({
        settings: h.settings,
        limiter: h.limiter,
        logger: silentLogger,
        backoffMs: 50,
        sleep: async (ms) => {
          waits.push(ms);
          await Bun.sleep(ms);
        },
      });
      const rest = new KisRest({ settings: h.settings, http, tokens: h.tokens, logger: silentLogger });
      h.fake.failNext(3, kind);
      const reply = await rest.get<{ output2: unknown[] }>(BALANCE, trId("balance", "live"), balanceQuery(h.settings));
      expect(reply.rt_cd).toBe("0");
      expect(h.fake.requests.filter((r) => r.path === BALANCE)).toHaveLength(4);
      // 429 carries Retry-After: 0, so the client falls back to its own doubling delays. The gate
      // sleeps what is left of each pause, and on a loaded machine a few ms may have passed
      // already (CI saw 6 of 10): pauses of 50 ms and more keep that apart from the doubling.
      const pauses = waits.filter((ms) => ms > 20);
      expect(pauses).toHaveLength(3);
      for (const [i, ms] of pauses.entries()) expect(ms).toBeWithin(50 * 2 ** i - 20, 50 * 2 ** i + 1);
    });
  }

  it("gives up with a retryable error once the retries are spent", async () => {
    const h = kisHarness("live");
    fake = h.fake;
    const http = kisHttp({ settings: h.settings, limiter: h.limiter, logger: silentLogger, backoffMs: 1, retries: 2 });
    const rest = new KisRest({ settings: h.settings, http, tokens: h.tokens, logger: silentLogger });
    h.fake.failNext(5, "EGW00201");
    const refusal = rest.get(BALANCE, trId("balance", "live"), balanceQuery(h.settings));
    await expect(refusal).rejects.toMatchObject({ kind: "rate-limited", details: { code: "EGW00201" } });
    await expect(refusal).rejects.toHaveProperty("retryable", true);
    expect(h.fake.requests.filter((r) => r.path === BALANCE)).toHaveLength(3);
  });

  it("gets a new token once when KIS says the token expired", async () => {
    const h = kisHarness("live");
    fake = h.fake;
    const tokens = new KisTokens({
      settings: h.settings,
      cache: h.cache,
      bus: h.bus,
      logger: silentLogger,
      http: h.http,
      reissueIntervalMs: 1,
    });
    const rest = new KisRest({ settings: h.settings, http: h.http, tokens, logger: silentLogger });
    await rest.get(BALANCE, trId("balance", "live"), balanceQuery(h.settings));
    h.fake.expireTokens();
    h.fake.forgetTokenThrottle();
    await Bun.sleep(5);
    const reply = await rest.get(BALANCE, trId("balance", "live"), balanceQuery(h.settings));
    expect(reply.rt_cd).toBe("0");
    expect(h.fake.requests.filter((r) => r.path === "/oauth2/tokenP")).toHaveLength(2);
  });

  it("does not retry a business refusal", async () => {
    const h = kisHarness("live");
    fake = h.fake;
    await expect(
      h.rest.post("/uapi/domestic-stock/v1/trading/order-cash", "TTTC0012U", { PDNO: "005930", ORD_QTY: "0" }),
    ).rejects.toMatchObject({ kind: "rejected", details: { code: "APBK0918" } });
    expect(h.fake.requests.filter((r) => r.path.endsWith("order-cash"))).toHaveLength(1);
  });
});
