export { type BootstrapResult, ensureBootstrapAdmin } from "./auth/bootstrap.ts";
export { PostgresUserDirectory } from "./auth/postgres-users.ts";
export { bucketFor, rateLimitHeaders } from "./auth/rate-limit.ts";
export { TokenService } from "./auth/tokens.ts";
export { type AuthUser, MemoryUserDirectory, type Role, type User, UserDirectory } from "./auth/users.ts";
export { type GatewaySettings, gatewayConfigSpec, gatewaySettings } from "./config.ts";
export { type App, createGatewayService } from "./service.ts";
export { WsHub } from "./ws/hub.ts";
