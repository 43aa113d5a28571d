import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";

export const BENCH_DIR = resolve(import.meta.dir, "../..");
export const ROOT_DIR = resolve(BENCH_DIR, "..");
/** Logs, profiles and scratch data; git-ignored. */
export const OUT_DIR = join(BENCH_DIR, "out");

export function outPath(...parts: string[]): string {
  const path = join(OUT_DIR, ...parts);
  mkdirSync(resolve(path, ".."), { recursive: true });
  return path;
}
