/**
 * Informational: embedded PostgreSQL start times, cold (initdb + start +
 * CREATE DATABASE) and warm (the cluster reused), durable and `fast`.
 * Was bench/src/postgres-startup.ts.
 *   bun bench/src/workers/postgres-startup.ts --runs=1
 */
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmbeddedPostgres } from "@jts/kit/postgres";
import { emit, flags, num, runChild } from "../lib/child.ts";

runChild(async () => {
  const runs = num(flags(), "runs", 1);
  const root = await mkdtemp(join(tmpdir(), "jts-bench-pg-"));
  await chmod(root, 0o755);
  const port = 20000 + Math.floor(Math.random() * 20000);
  const rows = [];
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
        rows.push({
          settings: fast ? "fast" : "durable",
          coldMs: Math.round(coldMs),
          initdbMs: Math.round(cold.timings.initMs),
          warmMs: Math.round(warmMs),
          stopMs: Math.round(performance.now() - started),
        });
      }
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  emit("result", { rows });
});
