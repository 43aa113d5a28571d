import { venueCredential } from "@jts/broker-kit";
import { int, loadConfig, str } from "@jts/kit";
import { UPBIT_LIMIT_VALUES } from "./constants.ts";

/**
 * Credentials only from the environment, as the kit's secrets (empty outside
 * production: market data only; required and checked in production); base
 * URLs switch to the fake venue in one place.
 */
export const upbitConfigSpec = {
  UPBIT_ACCESS_KEY: venueCredential(),
  UPBIT_SECRET_KEY: venueCredential(),
  UPBIT_BASE_URL: str("https://api.upbit.com"),
  UPBIT_WS_URL: str("wss://api.upbit.com/websocket/v1"),
  UPBIT_ACCOUNT: str("upbit"),
  UPBIT_SYMBOLS: str("BTC-KRW,ETH-KRW"),
  /** Orders per second; Upbit raised it from 8 to 12 on 2026-08-21. */
  UPBIT_ORDER_RATE: int(UPBIT_LIMIT_VALUES.ordersPerSecond, { min: 1, max: 100 }),
  UPBIT_PORT: int(3012, { min: 0, max: 65535 }),
};

export function loadUpbitConfig(env: Record<string, string | undefined> = process.env) {
  const config = loadConfig(upbitConfigSpec, env);
  return {
    ...config,
    symbols: config.UPBIT_SYMBOLS.split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  };
}

export type UpbitConfig = ReturnType<typeof loadUpbitConfig>;
