import { VenueSocket } from "@jts/broker-kit";
import type { Logger } from "@jts/kit";
import { BINANCE_SOCKET_ROTATE_MS } from "./constants.ts";

/** The combined-stream names of `venueSymbols` (BTCUSDT): trades, book tickers and a kline per interval. */
export function marketStreams(venueSymbols: readonly string[], klineIntervals: readonly string[]): string[] {
  return venueSymbols.flatMap((symbol) => {
    const s = symbol.toLowerCase();
    return [`${s}@trade`, `${s}@bookTicker`, ...klineIntervals.map((i) => `${s}@kline_${i}`)];
  });
}

/**
 * One combined market stream (`/stream?streams=a/b/c`), rotated at 23.5 h
 * (Binance cuts connections at 24 h) and reconnected after 2 min of silence.
 */
export function binanceMarketSocket(options: {
  wsUrl: string;
  streams: readonly string[];
  onMessage: (frame: string) => void;
  logger: Logger;
}): VenueSocket {
  return new VenueSocket({
    name: "binance-market",
    url: `${options.wsUrl}/stream?streams=${options.streams.join("/")}`,
    onMessage: options.onMessage,
    rotateAfterMs: BINANCE_SOCKET_ROTATE_MS,
    staleAfterMs: 120_000,
    logger: options.logger,
  });
}

/**
 * The user data stream on `/ws/<listenKey>`. A POST returns the account's
 * active key (or a new one), so each connection asks for it and a reconnect
 * after expiry just works; rotated at 23.5 h like the market stream.
 */
export function binanceUserSocket(options: {
  wsUrl: string;
  listenKey: () => Promise<string>;
  onMessage: (frame: string) => void;
  logger: Logger;
}): VenueSocket {
  return new VenueSocket({
    name: "binance-user",
    url: async () => `${options.wsUrl}/ws/${await options.listenKey()}`,
    onMessage: options.onMessage,
    rotateAfterMs: BINANCE_SOCKET_ROTATE_MS,
    logger: options.logger,
  });
}
