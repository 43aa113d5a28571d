import { type ConfigOf, int, secret, str, strByMode } from "@jts/kit";

/** The gateway's environment. Names follow the original spec where it had one. */
export const gatewayConfigSpec = {
  GATEWAY_PORT: int(3000, { min: 0, max: 65535 }),
  JWT_SECRET: secret("jts-development-jwt-secret-not-for-production", 32),
  JWT_ACCESS_TTL_SECONDS: int(900, { min: 30 }),
  JWT_REFRESH_TTL_SECONDS: int(7 * 24 * 3600, { min: 60 }),
  /** Absolute session lifetime (default 30 days): a login must be repeated this long after it, however often it is refreshed. */
  JWT_SESSION_MAX_SECONDS: int(30 * 24 * 3600, { min: 1 }),
  JTS_ADMIN_USER: str("admin"),
  JTS_ADMIN_PASSWORD: secret("jts-dev-password", 12),
  API_RATE_LIMIT: int(100, { min: 1 }),
  API_RATE_WINDOW: int(60_000, { min: 1000 }),
  LOGIN_RATE_LIMIT: int(10, { min: 1 }),
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
  /** HALT, cancel-all and disarm per user per minute (their own bucket); 600 when not given. */
  safetyRateLimit?: number;
  rpcTimeoutMs: number;
  corsOrigins: readonly string[];
}

export function gatewaySettings(config: ConfigOf<typeof gatewayConfigSpec>): GatewaySettings {
  return {
    jwtSecret: config.JWT_SECRET,
    accessTtlSeconds: config.JWT_ACCESS_TTL_SECONDS,
    refreshTtlSeconds: config.JWT_REFRESH_TTL_SECONDS,
    sessionMaxSeconds: config.JWT_SESSION_MAX_SECONDS,
    rateLimit: config.API_RATE_LIMIT,
    rateWindowMs: config.API_RATE_WINDOW,
    loginRateLimit: config.LOGIN_RATE_LIMIT,
    safetyRateLimit: config.SAFETY_RATE_LIMIT,
    rpcTimeoutMs: 3000,
    corsOrigins: config.CORS_ORIGINS.split(",")
      .map((o) => o.trim())
      .filter(Boolean),
  };
}
