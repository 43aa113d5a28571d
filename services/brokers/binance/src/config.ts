import { venueCredential } from "@jts/broker-kit";
import { int, loadConfig, str } from "@jts/kit";

/**
 * Credentials only from the environment, as the kit's secrets (empty outside
 * production: market data only; required and checked in production); base
 * URLs switch between live, testnet and the fake venue in one place.
 */
export const binanceConfigSpec = {
  BINANCE_API_KEY: venueCredential(),
  BINANCE_API_SECRET: venueCredential(),
  BINANCE_BASE_URL: str("https://api.binance.com"),
  BINANCE_WS_URL: str("wss://stream.binance.com:9443"),
  /** JTS account the venue account is booked under. */
  BINANCE_ACCOUNT: str("binance"),
  /** Symbols to stream, JTS codes, comma-separated. */
  BINANCE_SYMBOLS: str("BTC-USDT,ETH-USDT"),
  BINANCE_RECV_WINDOW: int(5000, { min: 1, max: 60_000 }),
  BINANCE_PORT: int(3011, { min: 0, max: 65535 }),
};

export function loadBinanceConfig(env: Record<string, string | undefined> = process.env) {
  const config = loadConfig(binanceConfigSpec, env);
  return {
    ...config,
    symbols: config.BINANCE_SYMBOLS.split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  };
}

export type BinanceConfig = ReturnType<typeof loadBinanceConfig>;
