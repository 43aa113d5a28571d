/**
 * Times embedded PostgreSQL: cold start (initdb + start + CREATE DATABASE) and
 * warm start (reusing the cluster), with durable defaults and with `fast`.
 *   bun bench/src/postgres-startup.ts [runs=3]
 */
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmbeddedPostgres } from "@jts/kit/postgres";

const runs = Number(process.argv[2] ?? 3);
const root = await mkdtemp(join(tmpdir(), "jts-bench-pg-"));
await chmod(root, 0o755);
const port = 20000 + Math.floor(Math.random() * 20000);
const ms = (value: number) => `${value.toFixed(0)} ms`;

try {
  for (const fast of [false, true]) {
    for (let run = 1; run <= runs; run++) {
      const dataDir = join(root, `${fast ? "fast" : "durable"}-${run}`);
      let started = performance.now();
      const cold = await startEmbeddedPostgres({ dataDir, port, fast });
      const coldMs = performance.now() - started;
      await cold.stop();
      started = performance.now();
      const warm = await startEmbeddedPostgres({ dataDir, port, fast });
      const warmMs = performance.now() - started;
      started = performance.now();
      await warm.stop();
      const stopMs = performance.now() - started;
      console.log(
        `${fast ? "fast   " : "durable"} run ${run}: cold ${ms(coldMs)} (initdb ${ms(cold.timings.initMs)}, ` +
          `start+createdb ${ms(cold.timings.startMs)}), warm ${ms(warmMs)}, stop ${ms(stopMs)}`,
      );
    }
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
