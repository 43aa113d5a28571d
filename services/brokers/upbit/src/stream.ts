import { VenueSocket } from "@jts/broker-kit";
import type { Logger } from "@jts/kit";
import { upbitToken } from "./auth.ts";
import { UPBIT_HEARTBEAT_MS } from "./constants.ts";

export interface UpbitSocketOptions {
  /** Public socket URL (…/websocket/v1); the private one is `${wsUrl}/private`. */
  wsUrl: string;
  onMessage: (frame: string) => void;
  logger: Logger;
}

/**
 * The public socket: ticker, trade and orderbook of `codes` (Upbit's
 * QUOTE-BASE market codes), subscribed again on every connection, a text
 * PING every minute (Upbit closes sockets idle for about 120 s) and a
 * reconnect after three silent minutes.
 */
export function upbitPublicSocket(options: UpbitSocketOptions & { codes: readonly string[] }): VenueSocket {
  const codes = [...options.codes];
  return new VenueSocket({
    name: "upbit-public",
    url: options.wsUrl,
    onOpen: (send) =>
      send(
        JSON.stringify([
          { ticket: crypto.randomUUID() },
          { type: "ticker", codes },
          { type: "trade", codes },
          { type: "orderbook", codes },
          { format: "DEFAULT" },
        ]),
      ),
    onMessage: options.onMessage,
    heartbeat: { everyMs: UPBIT_HEARTBEAT_MS, message: "PING" },
    staleAfterMs: 3 * UPBIT_HEARTBEAT_MS,
    logger: options.logger,
  });
}

/** The private socket (myOrder): a fresh JWT in the upgrade headers of every connection. */
export function upbitPrivateSocket(
  options: UpbitSocketOptions & { accessKey: string; secretKey: string },
): VenueSocket {
  const { accessKey, secretKey } = options;
  return new VenueSocket({
    name: "upbit-private",
    url: `${options.wsUrl}/private`,
    headers: () => ({ Authorization: `Bearer ${upbitToken(accessKey, secretKey, "")}` }),
    onOpen: (send) => send(JSON.stringify([{ ticket: crypto.randomUUID() }, { type: "myOrder" }])),
    onMessage: options.onMessage,
    heartbeat: { everyMs: UPBIT_HEARTBEAT_MS, message: "PING" },
    logger: options.logger,
  });
}
