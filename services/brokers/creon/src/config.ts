import { int, loadConfig, secret, str } from "@jts/kit";

export interface CreonSettings {
  bridgeUrl: string;
  bridgeSecret: string;
  /** The Creon account number and product code orders go to. */
  creonAccount: string;
  productCode: string;
  /** The JTS account id orders for this Creon account carry. */
  account: string;
}

const configSpec = {
  CREON_BRIDGE_URL: str("http://127.0.0.1:8765"),
  CREON_BRIDGE_SECRET: secret("creon-bridge-development-secret-0000", 32),
  CREON_ACCOUNT: str(""),
  CREON_PRODUCT_CODE: str("01"),
  CREON_JTS_ACCOUNT: str("creon"),
  CREON_PORT: int(3014, { min: 0, max: 65535 }),
};

export function loadCreonConfig(env: Record<string, string | undefined> = process.env) {
  const config = loadConfig(configSpec, env);
  if (!/^\d{8}$/.test(config.CREON_ACCOUNT)) throw new Error("CREON_ACCOUNT must be the 8-digit Creon account number");
  const settings: CreonSettings = {
    bridgeUrl: config.CREON_BRIDGE_URL.replace(/\/$/, ""),
    bridgeSecret: config.CREON_BRIDGE_SECRET,
    creonAccount: config.CREON_ACCOUNT,
    productCode: config.CREON_PRODUCT_CODE,
    account: config.CREON_JTS_ACCOUNT,
  };
  return { settings, port: config.CREON_PORT };
}
