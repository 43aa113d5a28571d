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

/**
 * `count` moving-average strategies in place of the three defaults (one per sim
 * symbol, `defaultStrategies`): the defaults stay, the first `count` of them
 * running, and more are added round-robin over the symbols with their own
 * periods (fast 3..7, slow 15..34), so their crossovers fall on different
 * ticks as separate strategies' would. Same account, same sizes as the defaults.
 */
export async function runStrategies(platform: Platform, count: number): Promise<void> {
  if (!Number.isInteger(count) || count < 1) throw new Error(`--strategies must be a whole number >= 1, got ${count}`);
  const engine = platform.services["strategy-engine"].engine;
  const defaults = engine.list().map((s) => s.config);
  for (const [i, config] of defaults.entries()) engine.setRunning(config.id, i < count);
  for (let i = defaults.length; i < count; i++) {
    const template = defaults[i % defaults.length];
    if (!template) throw new Error("the platform has no default strategy to copy");
    await engine.add({
      ...template,
      id: `${template.id}-${i}`,
      params: { ...template.params, fastPeriod: 3 + (i % 5), slowPeriod: 15 + (i % 20) },
      enabled: true,
    });
  }
}
