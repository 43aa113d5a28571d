import { venueCredential } from "@jts/broker-kit";
import { int, loadConfig, oneOf, str } from "@jts/kit";
import { KIS_URLS, type KisEnv } from "./constants.ts";

export interface KisSettings {
  env: KisEnv;
  appKey: string;
  appSecret: string;
  /** CANO: the first 8 digits of the account number. */
  cano: string;
  /** ACNT_PRDT_CD: the 2-digit product code after the dash (01 = a stock account). */
  productCode: string;
  restUrl: string;
  wsUrl: string;
  /** The JTS account id orders for this KIS account carry. */
  account: string;
}

const configSpec = {
  KIS_ENV: oneOf(["paper", "live"] as const, "paper"),
  KIS_APP_KEY: venueCredential(),
  KIS_APP_SECRET: venueCredential(),
  KIS_ACCOUNT: str(""),
  KIS_BASE_URL: str(""),
  KIS_WS_URL: str(""),
  KIS_JTS_ACCOUNT: str("kis"),
  KIS_PORT: int(3013, { min: 0, max: 65535 }),
};

/** Splits "12345678-01" (or "1234567801") into CANO and ACNT_PRDT_CD. */
export function splitAccount(raw: string): { cano: string; productCode: string } {
  const match = /^(\d{8})-?(\d{2})$/.exec(raw.trim());
  if (!match) throw new Error(`KIS_ACCOUNT must look like 12345678-01, got ${JSON.stringify(raw)}`);
  return { cano: match[1] as string, productCode: match[2] as string };
}

export function loadKisConfig(env: Record<string, string | undefined> = process.env) {
  const config = loadConfig(configSpec, env);
  const settings: KisSettings = {
    env: config.KIS_ENV,
    appKey: config.KIS_APP_KEY,
    appSecret: config.KIS_APP_SECRET,
    ...splitAccount(config.KIS_ACCOUNT),
    restUrl: config.KIS_BASE_URL || KIS_URLS[config.KIS_ENV].rest,
    wsUrl: config.KIS_WS_URL || KIS_URLS[config.KIS_ENV].ws,
    account: config.KIS_JTS_ACCOUNT,
  };
  return { settings, port: config.KIS_PORT };
}
