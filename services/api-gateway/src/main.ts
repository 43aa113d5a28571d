import { loadConfig, runStandalone } from "@jts/kit";
import { UserDirectory } from "./auth/users.ts";
import { gatewayConfigSpec, gatewaySettings } from "./config.ts";
import { createGatewayService } from "./service.ts";

const config = loadConfig(gatewayConfigSpec);
const users = new UserDirectory();
await users.add(config.JTS_ADMIN_USER, config.JTS_ADMIN_PASSWORD, "admin");

await runStandalone("api-gateway", config.GATEWAY_PORT, (runtime) =>
  createGatewayService(runtime, users, gatewaySettings(config)),
);
