/**
 * What one event publish costs the caller that waits for it (informational, no target):
 *   bun bench/src/workers/publish-ack.ts --bus=nats|kafka --count=2000 [--burst=20]
 *
 * `--burst=1` publishes one event and waits for its ack before the next: the
 * wait a hop paid when it awaited a publish (JetStream PubAck, Kafka produce
 * acked by all in-sync replicas). `--burst=N` fires N at once and times each
 * until its own ack: what coalescing does to a burst. Runs on the servers in
 * the environment (`eval "$(host/servers/all env)"`), in a namespace removed
 * afterwards.
 */
import { EventTypes } from "@jts/contracts";
import { closeRuntime, envelope, forward, runtimeFromEnv } from "@jts/kit";
import { emit, flags, num, runChild } from "../lib/child.ts";
import { newHistogram, record, summarize } from "../lib/hist.ts";
import { quietLogger } from "../lib/platform.ts";
import { cleanNamespace, ensureServers } from "../lib/servers.ts";

runChild(async () => {
  const args = flags();
  const bus = args.bus === "kafka" ? "kafka" : "nats";
  const count = num(args, "count", 2000);
  const burst = Math.max(1, num(args, "burst", 1));
  const { urls, failed } = await ensureServers(bus === "kafka" ? ["nats", "kafka"] : ["nats"]);
  if (Object.keys(failed).length > 0) {
    emit("result", { unavailable: JSON.stringify(failed) });
    return;
  }
  const ns = `ack-${bus}-${process.pid}`;
  const runtime = await runtimeFromEnv(quietLogger(), "bench-ack", {
    ...process.env,
    ...(urls as Record<string, string>),
    JTS_BUS: bus,
    JTS_RPC: "memory",
    JTS_CACHE: "memory",
    JTS_NAMESPACE: ns,
    DATABASE_URL: "",
    MONGO_URL: "",
  });
  try {
    let latency = newHistogram();
    const publishOne = async (i: number) => {
      const event = envelope(EventTypes.tick, "bench", `k${i % 8}`, { i });
      const started = process.hrtime.bigint();
      await forward(runtime.bus, "md.tick.sim.ack", event);
      record(latency, Number(process.hrtime.bigint() - started));
    };
    for (let i = 0; i < 50; i++) await publishOne(i); // warm-up: connections, topic creation
    latency = newHistogram();
    const started = process.hrtime.bigint();
    for (let i = 0; i < count; i += burst)
      await Promise.all(Array.from({ length: Math.min(burst, count - i) }, (_, j) => publishOne(i + j)));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    emit("result", { bus, count, burst, perSecond: Math.round(count / seconds), ack: summarize(latency) });
  } finally {
    await closeRuntime(runtime).catch(() => {});
    await cleanNamespace(ns, urls);
  }
});
