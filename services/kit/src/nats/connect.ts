import { connect, type NatsConnection } from "nats";

/** One NATS connection per process role; reconnects forever, like a server would want. */
export function connectNats(url: string, name = "jts"): Promise<NatsConnection> {
  return connect({ servers: url.split(","), name, maxReconnectAttempts: -1, reconnectTimeWait: 500 });
}

export function natsReady(nc: NatsConnection): boolean {
  return !nc.isClosed() && !nc.isDraining();
}
