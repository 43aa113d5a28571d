import { describe, expect, it } from "bun:test";
import { MemoryCache, MemoryEventBus } from "@jts/kit";
import { silentLogger } from "@jts/kit/testing";
import { fetchApprovalKey, KisTokens } from "./auth.ts";
import { loadKisConfig, splitAccount } from "./config.ts";
import { paperTrId, trId } from "./constants.ts";
import { kisHarness } from "./testing/harness.ts";

const env = { KIS_APP_KEY: "key", KIS_APP_SECRET: "secret", KIS_ACCOUNT: "50012345-01" };

describe("KIS configuration", () => {
  it("switches URLs with KIS_ENV and lets KIS_BASE_URL / KIS_WS_URL override them", () => {
    expect(loadKisConfig({ ...env }).settings).toMatchObject({
      env: "paper",
      restUrl: "https://openapivts.koreainvestment.com:29443",
      wsUrl: "ws://ops.koreainvestment.com:31000",
      cano: "50012345",
      productCode: "01",
    });
    expect(loadKisConfig({ ...env, KIS_ENV: "live" }).settings).toMatchObject({
      restUrl: "https://openapi.koreainvestment.com:9443",
      wsUrl: "ws://ops.koreainvestment.com:21000",
    });
    expect(loadKisConfig({ ...env, KIS_BASE_URL: "http://127.0.0.1:1" }).settings.restUrl).toBe("http://127.0.0.1:1");
  });

  it("refuses a missing credential in production, and before any call elsewhere; a malformed account number always", async () => {
    expect(() => loadKisConfig({ KIS_ACCOUNT: "50012345-01", JTS_ENV: "production" })).toThrow(
      "KIS_APP_KEY is required in production",
    );
    const { settings } = loadKisConfig({ KIS_ACCOUNT: "50012345-01" });
    const { http, fake } = kisHarness("paper");
    try {
      const unkeyed = new KisTokens({
        settings,
        cache: new MemoryCache(),
        bus: new MemoryEventBus(),
        logger: silentLogger,
        http,
      });
      await expect(unkeyed.get()).rejects.toThrow("KIS_APP_KEY, KIS_APP_SECRET not set");
      await expect(fetchApprovalKey(settings, http)).rejects.toThrow("KIS_APP_KEY, KIS_APP_SECRET not set");
      expect(fake.tokensIssued).toEqual([]);
    } finally {
      await fake.stop();
    }
    expect(() => loadKisConfig({})).toThrow("KIS_ACCOUNT must look like 12345678-01");
    expect(() => splitAccount("5001-2345")).toThrow("KIS_ACCOUNT must look like 12345678-01");
    expect(() => loadKisConfig({ ...env, KIS_ENV: "demo" })).toThrow("KIS_ENV must be one of paper, live");
  });

  it("replaces the leading T, J or C of a transaction id with V on paper", () => {
    expect(["TTTC0012U", "JTCE1001U", "CTSC9215R", "H0STCNT0"].map(paperTrId)).toEqual([
      "VTTC0012U",
      "VTCE1001U",
      "VTSC9215R",
      "H0STCNT0",
    ]);
    expect([trId("buy", "live"), trId("sell", "paper"), trId("dailyOrders", "paper")]).toEqual([
      "TTTC0012U",
      "VTTC0011U",
      "VTTC0081R",
    ]);
  });
});
