import { createLogger, loadConfig } from "@jts/kit";
import { bootPlatform, type Platform, platformConfigSpec } from "@jts/platform";

export const quietLogger = () => createLogger({ app: "bench" }, "error", (line) => process.stderr.write(`${line}\n`));

/**
 * The `just dev` composition (bootPlatform: every service in one process, each
 * on its own port, in-memory ports) on ephemeral loopback ports, with the
 * given settings on top of the defaults. The sim feed is stopped unless
 * `keepFeed`: scenarios drive their own ticks.
 */
export async function bootBenchPlatform(
  settings: Record<string, string>,
  options: { keepFeed?: boolean } = {},
): Promise<Platform> {
  const config = loadConfig(platformConfigSpec, {
    JTS_STORAGE: "memory",
    LOG_LEVEL: "error",
    JTS_HOST: "127.0.0.1",
    ...settings,
  });
  const platform = await bootPlatform(config, { logger: quietLogger(), ephemeralPorts: true });
  if (!options.keepFeed) simFeedOf(platform).stop();
  return platform;
}

/** The sim venue's feed, which the scenarios stop, start and step. */
export function simFeedOf(platform: Platform) {
  return platform.services["broker-sim"].feed;
}
