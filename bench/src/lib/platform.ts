import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger, loadConfig } from "@jts/kit";
import { freePortBlock } from "@jts/kit/testing";
import { bootPlatform, type Platform, platformConfigSpec } from "@jts/platform";

export const quietLogger = () => createLogger({ app: "bench" }, "error", (line) => process.stderr.write(`${line}\n`));

/**
 * The `just dev` composition (bootPlatform: every service in one process, each
 * on its own port) on ephemeral loopback ports, with the given settings on top of
 * the defaults: JTS_STORAGE=memory unless the settings say otherwise (devStorage()'s
 * give `just dev`'s embedded PostgreSQL and chdb). The sim feed is stopped unless
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

/**
 * `just dev`'s storage (JTS_STORAGE=embedded: services/platform/src/storage.ts starts an
 * embedded PostgreSQL for orders, positions and documents, and chdb for the collector)
 * under a throwaway data directory, with PostgreSQL on a free port of its own. `dataDir`
 * may name an empty or missing directory to use (the scenario's, so it can clean up
 * after a killed worker); by default a fresh one under the system temp directory.
 */
export interface DevStorage {
  dataDir: string;
  /** Settings for bootBenchPlatform / platform-server.ts. */
  settings: Record<string, string>;
  /** Stops a PostgreSQL still running on the directory and removes it; safe to call twice. */
  remove(): Promise<void>;
}

export function devStorage(dataDir?: string): DevStorage {
  const dir = dataDir ?? freshDevDataDir();
  mkdirSync(dir, { recursive: true });
  if (readdirSync(dir).length > 0) throw new Error(`${dir} is not empty: the bench only uses a fresh data directory`);
  chmodSync(dir, 0o755);
  return {
    dataDir: dir,
    settings: { JTS_STORAGE: "embedded", JTS_DATA_DIR: dir, PG_PORT: String(freePortBlock(1)) },
    remove: () => removeDevStorage(dir),
  };
}

/** A new empty directory under the system temp directory, open to the postgres user (mkdtemp makes it 0700). */
export function freshDevDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "jts-bench-dev-"));
  // As root, the embedded PostgreSQL runs as the postgres OS user, which must reach its cluster directory.
  chmodSync(dir, 0o755);
  return dir;
}

/**
 * The backstop after a platform that did not stop its PostgreSQL (a worker killed, a boot cut
 * short): the postmaster named in the cluster's pid file (a process this bench started, by its
 * pid) gets a fast shutdown (SIGINT), then an immediate one (SIGQUIT); then the directory goes.
 */
export async function removeDevStorage(dataDir: string): Promise<void> {
  const pid = postmasterPid(join(dataDir, "postgres"));
  if (pid !== null) {
    for (const [signal, waitMs] of [
      ["SIGINT", 15_000],
      ["SIGQUIT", 5_000],
    ] as const) {
      if (!alive(pid)) break;
      process.kill(pid, signal);
      for (const deadline = Date.now() + waitMs; alive(pid) && Date.now() < deadline; ) await Bun.sleep(50);
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
}

/** The pid in the cluster's pid file, if that process is the postmaster of this cluster (not a reused pid). */
function postmasterPid(clusterDir: string): number | null {
  const file = join(clusterDir, "postmaster.pid");
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, "utf8").split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(clusterDir) ? pid : null;
  } catch {
    return null; // gone already
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
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
