import { connect, type NatsConnection } from "nats";
import { envValue } from "../config.ts";

export interface NatsAuth {
  servers: string[];
  user?: string;
  pass?: string;
}

/**
 * The servers and user/password of a NATS_URL: credentials in the URL
 * (`nats://user:pass@host:4222`) win, else NATS_USER and NATS_PASSWORD (each
 * also from the file its _FILE variable names). The
 * credentials are taken out of the server list, so they never show in logs
 * or connection errors.
 */
export function natsAuth(url: string, env: Record<string, string | undefined> = process.env): NatsAuth {
  let user = envValue(env, "NATS_USER") || undefined;
  let pass = envValue(env, "NATS_PASSWORD") || undefined;
  const servers = url.split(",").map((server) => {
    const match = server.trim().match(/^([a-z]+:\/\/)?([^@/]*)@(.*)$/i);
    if (!match) return server.trim();
    const [name, password] = (match[2] ?? "").split(":");
    user = decodeURIComponent(name ?? "");
    pass = password === undefined ? undefined : decodeURIComponent(password);
    return `${match[1] ?? ""}${match[3]}`;
  });
  return { servers, ...(user ? { user } : {}), ...(pass ? { pass } : {}) };
}

/** One NATS connection per process role; reconnects forever, like a server would want. */
export function connectNats(
  url: string,
  name = "jts",
  env: Record<string, string | undefined> = process.env,
): Promise<NatsConnection> {
  return connect({ ...natsAuth(url, env), name, maxReconnectAttempts: -1, reconnectTimeWait: 500 });
}

export function natsReady(nc: NatsConnection): boolean {
  return !nc.isClosed() && !nc.isDraining();
}
