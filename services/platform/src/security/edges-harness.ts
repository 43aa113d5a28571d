import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger, loadConfig } from "@jts/kit";
import { bootPlatform, type Platform } from "../boot.ts";
import { platformConfigSpec } from "../config.ts";

/**
 * A booted platform for the transport-edge security tests (items 6-11 of issue 14):
 * every service in one process on ephemeral ports, in-memory storage, and the PWA
 * server in front of the gateway serving a small stand-in dist.
 */
export interface EdgePlatform {
  platform: Platform;
  /** The gateway's own base URL. */
  api: string;
  /** The PWA server (web/server.ts) that proxies /api and /ws to the gateway. */
  web: string;
  adminPassword: string;
  stop(): Promise<void>;
}

export const ADMIN_PASSWORD = "security-suite-password-42";

export async function bootEdgePlatform(env: Record<string, string> = {}): Promise<EdgePlatform> {
  const distDir = mkdtempSync(join(tmpdir(), "jts-sec-dist-"));
  writeFileSync(join(distDir, "index.html"), "<!doctype html><title>JTS</title>");
  const config = loadConfig(platformConfigSpec, {
    JTS_ENV: "test",
    STRATEGIES: "off",
    JTS_STORAGE: "memory",
    JTS_ADMIN_PASSWORD: ADMIN_PASSWORD,
    LOG_LEVEL: "error",
    ...env,
  });
  const platform = await bootPlatform(config, {
    ephemeralPorts: true,
    webDist: distDir,
    logger: createLogger({ app: "jts-security" }, "error"),
  });
  return {
    platform,
    api: platform.urls["api-gateway"] as string,
    web: (platform.urls.web as string).replace("localhost", "127.0.0.1"),
    adminPassword: ADMIN_PASSWORD,
    async stop() {
      await platform.stop();
      rmSync(distDir, { recursive: true, force: true });
    },
  };
}
