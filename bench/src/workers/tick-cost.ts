/**
 * CPU cost per tick of the platform, the pacing left out:
 *   bun bench/src/workers/tick-cost.ts --steps=20000
 * Boots the same composition as tick-to-order and drives the sim feed's
 * publishStep flat out in batches, letting the bus drain between batches,
 * then reports this process's CPU time per published event. A diagnostic
 * for hot-path work (it reads the same on a busy machine much better than a
 * latency does); tick-to-order stays the scenario that is judged.
 */
import { emit, flags, num, runChild } from "../lib/child.ts";
import { bootBenchPlatform, simFeedOf } from "../lib/platform.ts";

runChild(async () => {
  const args = flags();
  const steps = num(args, "steps", 20_000);
  const batch = num(args, "batch", 20);
  const platform = await bootBenchPlatform({ STRATEGY_COOLDOWN_MS: "0", STRATEGIES: "on", SIM_INTERVAL_MS: "3600000" });
  const feed = simFeedOf(platform);
  const run = async (n: number) => {
    for (let i = 0; i < n; i += batch) {
      for (let j = 0; j < batch; j++) await feed.publishStep();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Bun.sleep(50);
  };
  await run(Math.min(steps, 5_000)); // warm-up: JIT, first orders
  const publishedBefore = feed.status().published;
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  await run(steps);
  const cpu = process.cpuUsage(cpuBefore);
  const wallMs = performance.now() - wallBefore - 50;
  const events = feed.status().published - publishedBefore;
  emit("result", {
    steps,
    events,
    cpuUsPerEvent: Math.round(((cpu.user + cpu.system) / events) * 100) / 100,
    wallUsPerEvent: Math.round(((wallMs * 1000) / events) * 100) / 100,
  });
  await platform.stop();
});
