import { describe, expect, it } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT_DIR } from "./lib/paths.ts";
import { freshDevDataDir, removeDevStorage } from "./lib/platform.ts";
import { Child } from "./lib/proc.ts";
import { runWorker } from "./lib/scenario.ts";

/**
 * The tick-to-order worker on `just dev`'s storage (--composition=dev): it boots an embedded
 * PostgreSQL under a throwaway directory, and neither may outlive the worker, however it ends.
 */

/** Pids of the processes whose command line names `dir` (the embedded PostgreSQL runs with `-D <dir>/postgres`). */
function processesOn(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(dir)) pids.push(Number(entry));
    } catch {
      // ended meanwhile
    }
  }
  return pids;
}

const worker = (dataDir: string, extra: string[]) =>
  new Child("test-tick-to-order-dev", [
    "bun",
    join(ROOT_DIR, "bench/src/workers/tick-to-order.ts"),
    "--composition=dev",
    `--data-dir=${dataDir}`,
    ...extra,
  ]);

describe("tick-to-order on just dev's storage", () => {
  it(
    "measures, then stops its PostgreSQL and removes its data directory",
    async () => {
      const dataDir = freshDevDataDir();
      try {
        const result = await runWorker(
          "tick-to-order.ts",
          ["--rate=1000", "--seconds=1", "--warmup=0.3", "--composition=dev", `--data-dir=${dataDir}`],
          { name: "test-tick-to-order-dev" },
        );
        expect(result.composition).toBe("dev");
        expect(result.achievedTicksPerSec).toBeGreaterThan(0);
        expect(Object.keys(result.stages as object)).toEqual([
          "queue",
          "strategy",
          "oms",
          "risk",
          "oms-route",
          "broker",
        ]);
        expect(existsSync(dataDir)).toBe(false);
        expect(processesOn(dataDir)).toEqual([]);
      } finally {
        await removeDevStorage(dataDir);
      }
    },
    { timeout: 60_000 },
  );

  it(
    "stopped with SIGTERM mid-run, still stops its PostgreSQL and removes the directory",
    async () => {
      const dataDir = freshDevDataDir();
      const child = worker(dataDir, ["--rate=1000", "--seconds=60", "--warmup=0"]);
      try {
        await child.next("booted", 50_000);
        expect(processesOn(dataDir).length).toBeGreaterThan(0);
        expect(await child.stop(20_000)).toBe(143);
        expect(existsSync(dataDir)).toBe(false);
        expect(processesOn(dataDir)).toEqual([]);
      } finally {
        await child.stop(1000);
        await removeDevStorage(dataDir);
      }
    },
    { timeout: 60_000 },
  );

  it(
    "killed outright, leaves a PostgreSQL that removeDevStorage (the scenario's backstop) stops",
    async () => {
      const dataDir = freshDevDataDir();
      const child = worker(dataDir, ["--rate=1000", "--seconds=60", "--warmup=0"]);
      try {
        await child.next("booted", 50_000);
        process.kill(child.pid, "SIGKILL");
        await child.exited;
        expect(processesOn(dataDir).length).toBeGreaterThan(0);
        await removeDevStorage(dataDir);
        expect(existsSync(dataDir)).toBe(false);
        expect(processesOn(dataDir)).toEqual([]);
      } finally {
        await child.stop(1000);
        await removeDevStorage(dataDir);
      }
    },
    { timeout: 60_000 },
  );

  it("refuses an unknown composition before it boots anything", async () => {
    await expect(
      runWorker("tick-to-order.ts", ["--composition=stack"], { name: "test-tick-to-order-bad" }),
    ).rejects.toThrow("--composition must be one of memory, dev");
  });
});
