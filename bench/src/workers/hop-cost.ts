/**
 * What one hop between two processes costs (informational, no target):
 *   bun bench/src/workers/hop-cost.ts --bus=nats|kafka --count=1000 [--gap-ms=10]
 *
 * This process starts a second one (itself with --role=serve), then, `count`
 * times, publishes an event on the bus (not awaited, as the order path's
 * events are) and makes one signed rpc call over NATS (a 500-byte echo), with
 * `gap-ms` between rounds (0: back to back). Reported: the rpc round trip, the
 * event's publish -> handler delay in the other process, and the CPU
 * microseconds per round of each process (rpc and event together): the cost
 * of the transports themselves, apart from the services. On the shared host
 * the latencies follow the load; the CPU figures much less.
 */
import { EventTypes, nowNs } from "@jts/contracts";
import { closeRuntime, envelope, forward, randomServiceToken, runtimeFromEnv } from "@jts/kit";
import { emit, flags, num, runChild } from "../lib/child.ts";
import { newHistogram, record, summarize } from "../lib/hist.ts";
import { quietLogger } from "../lib/platform.ts";
import { Child } from "../lib/proc.ts";
import { cleanNamespace, ensureServers } from "../lib/servers.ts";

const TOPIC = "md.tick.hop.cost";

runChild(async () => {
  const args = flags();
  const bus = args.bus === "kafka" ? "kafka" : "nats";
  if (args.role === "serve") return serve();
  const count = num(args, "count", 1000);
  const gapMs = num(args, "gap-ms", 10);
  const { urls, failed } = await ensureServers(bus === "kafka" ? ["nats", "kafka"] : ["nats"]);
  if (Object.keys(failed).length > 0) {
    emit("result", { unavailable: JSON.stringify(failed) });
    return;
  }
  const env: Record<string, string> = {
    ...(urls as Record<string, string>),
    JTS_BUS: bus,
    JTS_RPC: "nats",
    JTS_CACHE: "memory",
    JTS_NAMESPACE: `hop-${bus}-${process.pid}`,
    JTS_SERVICE_TOKEN: randomServiceToken(),
    DATABASE_URL: "",
    MONGO_URL: "",
  };
  const server = new Child(`hop-cost-${bus}`, ["bun", import.meta.path, `--bus=${bus}`, "--role=serve"], { env });
  const runtime = await runtimeFromEnv(quietLogger(), "hop-drive", { ...process.env, ...env });
  try {
    await server.next("ready", 60_000);
    const pad = "x".repeat(500);
    for (let i = 0; i < 50; i++) await runtime.rpc.request("hop.echo", { i, pad }); // warm-up
    await runtime.rpc.request("hop.start", {});
    const rpc = newHistogram();
    const cpuFrom = process.cpuUsage();
    for (let i = 0; i < count; i++) {
      const started = nowNs();
      void forward(runtime.bus, TOPIC, envelope(EventTypes.tick, "hop", "cost", { i }));
      await runtime.rpc.request("hop.echo", { i, pad });
      record(rpc, Number(nowNs() - started));
      if (gapMs > 0) await Bun.sleep(gapMs);
    }
    const cpu = process.cpuUsage(cpuFrom);
    await Bun.sleep(100);
    const serverCpuUs = await runtime.rpc.request<number>("hop.cpu", {});
    await Bun.sleep(bus === "kafka" ? 2000 : 500); // the last events' delivery
    const served = await runtime.rpc.request<{ delivered: unknown; events: number }>("hop.report", {});
    emit("result", {
      bus,
      count,
      gapMs,
      rpcRoundTrip: summarize(rpc),
      eventDelivery: served.delivered,
      eventsDelivered: served.events,
      cpuUsPerRound: { caller: Math.round((cpu.user + cpu.system) / count), server: Math.round(serverCpuUs / count) },
    });
  } finally {
    await server.stop();
    await closeRuntime(runtime).catch(() => {});
    await cleanNamespace(env.JTS_NAMESPACE as string, urls);
  }
});

/** The other process: handles the events, answers the echo, reports what it saw and the CPU it used. */
async function serve(): Promise<void> {
  const runtime = await runtimeFromEnv(quietLogger(), "hop-serve", process.env);
  const delivered = newHistogram();
  let events = 0;
  let counting = false;
  let cpuFrom = process.cpuUsage();
  await runtime.bus.subscribe(TOPIC, (e) => {
    if (!counting) return;
    events++;
    record(delivered, Number(nowNs() - BigInt(e.tsInit)));
  });
  await runtime.rpc.serve("hop.echo", (body) => body);
  await runtime.rpc.serve("hop.start", () => {
    counting = true;
    cpuFrom = process.cpuUsage();
    return null;
  });
  await runtime.rpc.serve("hop.cpu", () => {
    const cpu = process.cpuUsage(cpuFrom);
    return cpu.user + cpu.system;
  });
  await runtime.rpc.serve("hop.report", () => ({ delivered: summarize(delivered), events }));
  emit("ready");
  // Until the driver stops this process (SIGTERM).
  await new Promise<void>((resolve) => process.once("SIGTERM", () => resolve()));
  await closeRuntime(runtime).catch(() => {});
}
