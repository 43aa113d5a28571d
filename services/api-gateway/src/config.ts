import { type ConfigOf, DEFAULT_ADMIN_USER, int, secret, str, strByMode } from "@jts/kit";
import { parseTrustedProxies } from "./client-ip.ts";

/** The gateway's environment. Names follow the original spec where it had one. */
export const gatewayConfigSpec = {
  GATEWAY_PORT: int(3000, { min: 0, max: 65535 }),
  JWT_SECRET: secret("jts-development-jwt-secret-not-for-production", 32),
  JWT_ACCESS_TTL_SECONDS: int(900, { min: 30 }),
  JWT_REFRESH_TTL_SECONDS: int(7 * 24 * 3600, { min: 60 }),
  /** Absolute session lifetime (default 30 days): a login must be repeated this long after it, however often it is refreshed. */
  JWT_SESSION_MAX_SECONDS: int(30 * 24 * 3600, { min: 1 }),
  JTS_ADMIN_USER: str(DEFAULT_ADMIN_USER),
  JTS_ADMIN_PASSWORD: secret("jts-dev-password", 12),
  API_RATE_LIMIT: int(100, { min: 1 }),
  API_RATE_WINDOW: int(60_000, { min: 1000 }),
  LOGIN_RATE_LIMIT: int(10, { min: 1 }),
  /** The first wait of one (account, client address) after 5 wrong passwords from it; it doubles per failure, up to 15 min. */
  LOGIN_BACKOFF_BASE_MS: int(1000, { min: 1 }),
  /** Every login on an account waits this much per wrong password past its first 5 (from all addresses in the last hour)... */
  LOGIN_SLOWDOWN_STEP_MS: int(500, { min: 0 }),
  /** ...up to this; a delay, never a refusal, so a stranger cannot lock the owner out. */
  LOGIN_SLOWDOWN_MAX_MS: int(5000, { min: 0, max: 30_000 }),
  /**
   * Peers whose X-Forwarded-For / X-Forwarded-Proto are believed (comma-separated addresses).
   * Development and tests: loopback (the PWA server next to the gateway). Production: none
   * unless set (compose sets the web container's address), since on a shared host any local
   * process could otherwise choose the address its login limits and audit entries are keyed by.
   */
  TRUSTED_PROXIES: strByMode("127.0.0.1,::1", ""),
  /** Channels one WebSocket may be subscribed to at once. */
  WS_MAX_CHANNELS: int(200, { min: 1 }),
  /** Authenticated WebSockets one user may hold at once; one more is closed with 1013 (try again later). */
  WS_MAX_SOCKETS_PER_USER: int(10, { min: 1 }),
  /** WebSockets not yet authenticated from one client address; one more is closed with 1013. */
  WS_MAX_UNAUTHENTICATED_PER_ADDRESS: int(20, { min: 1 }),
  /** Largest WebSocket frame accepted at all (Bun closes the socket with 1009 past it). */
  WS_MAX_FRAME_BYTES: int(64 * 1024, { min: 1024 }),
  /** Largest frame before the socket has authenticated (the auth message is a few hundred bytes). */
  WS_PREAUTH_FRAME_BYTES: int(4096, { min: 512 }),
  /** How often a connected user's account list is re-read, so their socket follows ownership changes. */
  WS_ACCOUNTS_REFRESH_MS: int(30_000, { min: 100 }),
  /** Per user per minute for HALT, cancel-all and disarm, which never count against API_RATE_LIMIT. */
  SAFETY_RATE_LIMIT: int(600, { min: 1 }),
  /**
   * Browser origins allowed to call the API (comma-separated). The PWA's own origin needs no entry when it is
   * served by web/server.ts. Production's default is none: a localhost origin there is any local web page.
   */
  CORS_ORIGINS: strByMode("http://localhost:5173,http://127.0.0.1:5173", ""),
};

export interface GatewaySettings {
  jwtSecret: string;
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
  /** Absolute session lifetime in seconds; 30 days when not given. */
  sessionMaxSeconds?: number;
  rateLimit: number;
  rateWindowMs: number;
  loginRateLimit: number;
  /** An (account, address)'s first backoff after its free wrong passwords; 1 s when not given. */
  loginBackoffBaseMs?: number;
  /** An account's slowdown per wrong password past the free ones, and its cap; 500 ms and 5 s when not given. */
  loginSlowdownStepMs?: number;
  loginSlowdownMaxMs?: number;
  /** HALT, cancel-all and disarm per user per minute (their own bucket); 600 when not given. */
  safetyRateLimit?: number;
  rpcTimeoutMs: number;
  corsOrigins: readonly string[];
  /** Proxies whose forwarding headers are believed; none when not given. */
  trustedProxies?: ReadonlySet<string>;
  /** WebSocket caps; WsHub's and Bun's defaults below when not given. */
  ws?: Partial<WsCaps>;
}

export interface WsCaps {
  maxChannels: number;
  maxSocketsPerUser: number;
  maxUnauthenticatedPerAddress: number;
  maxFrameBytes: number;
  preAuthFrameBytes: number;
  accountsRefreshMs: number;
}

export const DEFAULT_WS_CAPS: WsCaps = {
  maxChannels: 200,
  maxSocketsPerUser: 10,
  maxUnauthenticatedPerAddress: 20,
  maxFrameBytes: 64 * 1024,
  preAuthFrameBytes: 4096,
  accountsRefreshMs: 30_000,
};

export function gatewaySettings(config: ConfigOf<typeof gatewayConfigSpec>): GatewaySettings {
  return {
    jwtSecret: config.JWT_SECRET,
    accessTtlSeconds: config.JWT_ACCESS_TTL_SECONDS,
    refreshTtlSeconds: config.JWT_REFRESH_TTL_SECONDS,
    sessionMaxSeconds: config.JWT_SESSION_MAX_SECONDS,
    rateLimit: config.API_RATE_LIMIT,
    rateWindowMs: config.API_RATE_WINDOW,
    loginRateLimit: config.LOGIN_RATE_LIMIT,
    loginBackoffBaseMs: config.LOGIN_BACKOFF_BASE_MS,
    loginSlowdownStepMs: config.LOGIN_SLOWDOWN_STEP_MS,
    loginSlowdownMaxMs: config.LOGIN_SLOWDOWN_MAX_MS,
    safetyRateLimit: config.SAFETY_RATE_LIMIT,
    rpcTimeoutMs: 3000,
    corsOrigins: config.CORS_ORIGINS.split(",")
      .map((o) => o.trim())
      .filter(Boolean),
    trustedProxies: parseTrustedProxies(config.TRUSTED_PROXIES),
    ws: {
      maxChannels: config.WS_MAX_CHANNELS,
      maxSocketsPerUser: config.WS_MAX_SOCKETS_PER_USER,
      maxUnauthenticatedPerAddress: config.WS_MAX_UNAUTHENTICATED_PER_ADDRESS,
      maxFrameBytes: config.WS_MAX_FRAME_BYTES,
      preAuthFrameBytes: config.WS_PREAUTH_FRAME_BYTES,
      accountsRefreshMs: config.WS_ACCOUNTS_REFRESH_MS,
    },
  };
}
