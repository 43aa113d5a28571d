/**
 * One replica of scenario 7: calls the platform's RedisRateLimiter as an OMS
 * replica would before each venue request, from several concurrent workers,
 * from `--start` (epoch ms) for `--seconds`, and records every grant.
 *   bun bench/src/workers/limiter-replica.ts --redis=URL --prefix=KEY --start=EPOCH_MS --seconds=60
 * Two limits of Binance spot (../shared/VENUES.md) are taken at once, each its
 * own key: request weight 6000 per minute (requests weigh 1, 2, 4 or 20) and
 * orders 100 per 10 s. A refused call waits the retryAfterMs the limiter
 * answered, then tries again. A grant's time is taken when the answer
 * arrives, i.e. when the replica would send the request to the venue.
 */
import type { BucketSpec } from "@jts/contracts";
import { connectRedis, RedisRateLimiter } from "@jts/kit/redis";
import { emit, flags, num, runChild } from "../lib/child.ts";
import { LIMITS } from "../lib/limits.ts";

const epochMs = () => performance.timeOrigin + performance.now();
const WEIGHTS = [1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 4, 4, 20];

runChild(async () => {
  const args = flags();
  const prefix = args.prefix ?? `bench-${process.pid}`;
  const startAt = num(args, "start", epochMs() + 1000);
  const seconds = num(args, "seconds", 60);
  const workers = num(args, "workers", 4);
  const limiter = new RedisRateLimiter(
    connectRedis(args.redis ?? "redis://127.0.0.1:6379", "bench-limiter"),
    `${prefix}:`,
  );
  const endAt = startAt + seconds * 1000;
  const grants: Record<string, Array<[number, number]>> = { weight: [], orders: [] };
  let calls = 0;
  let refusals = 0;
  let errors = 0;

  const loop = async (name: keyof typeof LIMITS, seed: number) => {
    const spec = LIMITS[name];
    const bucket: BucketSpec = { name, capacity: spec.capacity, refillPerSecond: spec.refillPerSecond };
    let i = seed;
    while (epochMs() < endAt) {
      const weight = name === "weight" ? (WEIGHTS[i++ % WEIGHTS.length] as number) : 1;
      calls++;
      try {
        const decision = await limiter.take(`binance:${name}`, [bucket], weight);
        const now = epochMs();
        if (decision.allowed) {
          if (now < endAt) grants[name]?.push([Math.round((now - startAt) * 1000) / 1000, weight]);
        } else {
          refusals++;
          await Bun.sleep(Math.max(1, Math.min(decision.retryAfterMs, endAt - now)));
        }
      } catch {
        errors++;
        await Bun.sleep(5);
      }
    }
  };
  await Bun.sleep(Math.max(0, startAt - epochMs()));
  await Promise.all(Array.from({ length: workers }, (_, w) => [loop("weight", w * 7), loop("orders", w)]).flat());
  await limiter.close();
  emit("result", { grants, calls, refusals, errors });
});
