import { loadConfig, runStandalone } from "@jts/kit";
import { UserDirectory } from "./auth/users.ts";
import { gatewayConfigSpec } from "./config.ts";
import { createGatewayService } from "./service.ts";

const config = loadConfig(gatewayConfigSpec);
const users = new UserDirectory();
await users.add(config.JTS_ADMIN_USER, config.JTS_ADMIN_PASSWORD, "admin");

await runStandalone("api-gateway", config.GATEWAY_PORT, (runtime) =>
  createGatewayService(runtime, users, {
    jwtSecret: config.JWT_SECRET,
    accessTtlSeconds: config.JWT_ACCESS_TTL_SECONDS,
    refreshTtlSeconds: config.JWT_REFRESH_TTL_SECONDS,
    rateLimit: config.API_RATE_LIMIT,
    rateWindowMs: config.API_RATE_WINDOW,
    loginRateLimit: config.LOGIN_RATE_LIMIT,
    rpcTimeoutMs: 3000,
  }),
);
