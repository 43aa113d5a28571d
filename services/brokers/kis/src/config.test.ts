import { describe, expect, it } from "bun:test";
import { loadKisConfig, splitAccount } from "./config.ts";
import { paperTrId, trId } from "./constants.ts";

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

  it("refuses a missing credential or a malformed account number", () => {
    expect(() => loadKisConfig({ KIS_ACCOUNT: "50012345-01" })).toThrow("KIS needs KIS_APP_KEY, KIS_APP_SECRET");
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
