import { Elysia } from "elysia";
import type { WsConnection, WsHub } from "../ws/hub.ts";
import type { RouteContext } from "./context.ts";

/** Elysia's socket type omits Bun's getBufferedAmount, which the raw socket has at run time. */
const socketOf = (raw: unknown) => raw as WsConnection;

/**
 * /ws: the upgrade is public; the hub authenticates the first message (the
 * access token, never in the URL) and checks the session on every message
 * after (ws/hub.ts).
 */
export function wsRoutes({ auth }: RouteContext, hub: WsHub, onCount: (sockets: number) => void) {
  return new Elysia({ prefix: "/ws" }).use(auth).ws("", {
    idleTimeout: 60,
    // The address derived for the upgrade request (a trusted proxy's X-Forwarded-For, else the peer).
    open: (ws) => {
      hub.open(socketOf(ws.raw), (ws.data as { client?: { ip: string } }).client?.ip);
      onCount(hub.size);
    },
    message: (ws, message) => hub.message(socketOf(ws.raw), message),
    drain: (ws) => hub.drain(socketOf(ws.raw)),
    close: (ws) => {
      hub.close(socketOf(ws.raw));
      onCount(hub.size);
    },
  });
}
