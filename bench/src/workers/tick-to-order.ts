/**
 * Scenario 1: tick-to-order in one process.
 *   bun bench/src/workers/tick-to-order.ts --rate=10000 --seconds=20 --warmup=5 [--strategies=3]
 *     [--composition=memory|dev] [--data-dir=DIR]
 *
 * bootPlatform, every service in one process, with the default
 * moving-average strategies (one per sim symbol; --strategies=N runs N, see
 * runStrategies) and no cooldown. The sim feed's own publishStep
 * is driven at a constant tick rate; a sim tick enters the bus, the strategy
 * emits an order, the OMS asks risk, and the paper broker acknowledges.
 * Latency is the tick envelope's tsInit to the moment the OMS holds the
 * broker's ack, for every tick that caused an order.
 *
 * --composition=memory (default): JTS_STORAGE=memory, nothing leaves the process.
 * --composition=dev: storage as `just dev` has it (services/platform/src/main.ts's
 * default JTS_STORAGE=embedded): orders, positions and documents in an embedded
 * PostgreSQL, candles and ticks in chdb, under a fresh data directory (--data-dir, or
 * one under the system temp directory) with PostgreSQL on a free port. The worker
 * stops that PostgreSQL and removes the directory when it ends, fails, or gets
 * SIGTERM/SIGINT; the scenario passes --data-dir so it can clean up after a SIGKILL too.
 *
 * The bench observes without changing the services: it wraps the runtime's
 * bus.publish (to note each tick's tsInit), the strategy engine's onTick (to
 * know which tick is being decided) and rpc.request (to stamp the order
 * submit, the risk check and the broker place). Each wrapper costs well under
 * a microsecond per call; the stage breakdown comes from the same stamps.
 */
import { type Envelope, type EventTransport, LIST_PAGE_MAX, type Order, Subjects, type Tick } from "@jts/contracts";
import type { Platform } from "@jts/platform";
import { emit, flags, num, runChild } from "../lib/child.ts";
import { relNs, stampToRel } from "../lib/clock.ts";
import { encode, type Histogram, newHistogram, record, summarize } from "../lib/hist.ts";
import { paceConstantRate } from "../lib/pacer.ts";
import { bootBenchPlatform, devStorage, runStrategies, simFeedOf } from "../lib/platform.ts";

const STAGES = ["queue", "strategy", "oms", "risk", "oms-route", "broker"] as const;
type Stage = (typeof STAGES)[number];

interface Pending {
  tick: number;
  decided: number;
  submit: number;
  riskStart?: number;
  riskEnd?: number;
  placeStart?: number;
}

const COMPOSITIONS = ["memory", "dev"] as const;
type Composition = (typeof COMPOSITIONS)[number];

runChild(async () => {
  const args = flags();
  const rate = num(args, "rate", 10_000);
  const seconds = num(args, "seconds", 20);
  const warmup = num(args, "warmup", 5);
  const strategies = num(args, "strategies", 3);
  const composition = (args.composition ?? "memory") as Composition;
  if (!COMPOSITIONS.includes(composition))
    throw new Error(`--composition must be one of ${COMPOSITIONS.join(", ")}, got ${args.composition}`);

  const storage = composition === "dev" ? devStorage(args["data-dir"]) : null;
  let platform: Platform | undefined;
  let ended: Promise<void> | undefined;
  // Once, whichever comes first: the end of the run, a failure, or a signal.
  const end = () => {
    ended ??= (async () => {
      await platform?.stop().catch((error: unknown) => console.error("platform stop failed", error));
      await storage?.remove();
    })();
    return ended;
  };
  for (const [signal, code] of [
    ["SIGTERM", 143],
    ["SIGINT", 130],
  ] as const)
    process.once(signal, () => void end().finally(() => process.exit(code)));
  // An error nobody awaits (a service's, even during stop) would end the process before the cleanup: clean up, then fail.
  for (const event of ["uncaughtException", "unhandledRejection"] as const)
    process.on(event, (error: unknown) => {
      console.error(event, error); // to the log; before the result the runner sees the exit, after it keeps the result
      void end().finally(() => process.exit(1));
    });
  try {
    const booting = performance.now();
    platform = await bootBenchPlatform({
      STRATEGY_COOLDOWN_MS: "0",
      STRATEGIES: "on",
      SIM_INTERVAL_MS: "3600000",
      ...storage?.settings,
    });
    const bootSeconds = (performance.now() - booting) / 1000;
    emit("booted", { composition, bootSeconds, dataDir: storage?.dataDir ?? null });
    emit("result", { composition, bootSeconds, ...(await measure(platform, { rate, seconds, warmup, strategies })) });
  } finally {
    await end();
  }
});

async function measure(
  platform: Platform,
  { rate, seconds, warmup, strategies }: { rate: number; seconds: number; warmup: number; strategies: number },
) {
  await runStrategies(platform, strategies);
  const { bus, rpc } = platform.runtime;
  const feed = simFeedOf(platform);
  const engine = platform.services["strategy-engine"].engine;

  // Hooks (see the header): tick -> tsInit, the tick being decided, and the rpc stamps per order.
  const tickInit = new WeakMap<object, number>();
  let ticksPublished = 0;
  // Instrumentation sees every topic, so it wraps the untyped transport underneath the typed bus.
  const originalPublish = bus.publish.bind(bus) as EventTransport["publish"];
  bus.publish = ((topic: string, event: Envelope) => {
    if (topic.startsWith("md.tick.")) {
      tickInit.set(event.payload as object, stampToRel(event.tsInit));
      ticksPublished++;
    }
    return originalPublish(topic, event);
  }) as typeof bus.publish;

  let measuring = false;
  const latency = newHistogram();
  const tickToDecision = newHistogram();
  const stages = Object.fromEntries(STAGES.map((s) => [s, newHistogram()])) as Record<Stage, Histogram>;
  let current: { tick: number; decided: number } | null = null;
  let orders = 0;
  let acks = 0;

  const originalOnTick = engine.onTick.bind(engine);
  engine.onTick = (tick: Tick) => {
    const init = tickInit.get(tick);
    const decided = relNs();
    current = init === undefined ? null : { tick: init, decided };
    if (measuring && init !== undefined) record(tickToDecision, decided - init);
    return originalOnTick(tick);
  };

  const pending = new Map<string, Pending>();
  const originalRequest = rpc.request.bind(rpc);
  rpc.request = (async (subject: string, payload: unknown, options?: { timeoutMs?: number }) => {
    if (subject === Subjects.orderSubmit) {
      const id = (payload as { clientOrderId: string }).clientOrderId;
      if (current) pending.set(id, { ...current, submit: relNs() });
      orders++;
      try {
        return await originalRequest(subject, payload, options);
      } finally {
        pending.delete(id);
      }
    }
    const order = (payload as { order?: { clientOrderId: string } })?.order;
    const entry = order ? pending.get(order.clientOrderId) : undefined;
    if (!entry) return originalRequest(subject, payload, options);
    if (subject === Subjects.riskCheck) {
      entry.riskStart = relNs();
      const reply = await originalRequest(subject, payload, options);
      entry.riskEnd = relNs();
      return reply;
    }
    if (subject === Subjects.brokerPlace("paper")) {
      entry.placeStart = relNs();
      const reply = await originalRequest(subject, payload, options);
      const acked = relNs();
      acks++;
      if (measuring && entry.riskStart !== undefined && entry.riskEnd !== undefined) {
        record(latency, acked - entry.tick);
        record(stages.queue, entry.decided - entry.tick);
        record(stages.strategy, entry.submit - entry.decided);
        record(stages.oms, entry.riskStart - entry.submit);
        record(stages.risk, entry.riskEnd - entry.riskStart);
        record(stages["oms-route"], entry.placeStart - entry.riskEnd);
        record(stages.broker, acked - entry.placeStart);
      }
      return reply;
    }
    return originalRequest(subject, payload, options);
  }) as typeof rpc.request;

  const step = async () => {
    const before = ticksPublished;
    await feed.publishStep();
    return ticksPublished - before;
  };

  // Warm-up: same rate, nothing recorded (JIT, caches, first orders).
  await paceConstantRate(rate, warmup * 1000, step);
  measuring = true;
  const ordersBefore = orders;
  const acksBefore = acks;
  const paced = await paceConstantRate(rate, seconds * 1000, step);
  measuring = false;
  // Let the orders in flight finish.
  await Bun.sleep(200);

  const oms = platform.services["order-execution"];
  // Every order, page by page (one list call answers at most LIST_PAGE_MAX).
  const all: Order[] = [];
  for (let page = await oms.manager.list({ limit: LIST_PAGE_MAX }); ; ) {
    all.push(...page);
    const last = page.at(-1);
    if (page.length < LIST_PAGE_MAX || !last) break;
    page = await oms.manager.list({ limit: LIST_PAGE_MAX, before: { time: last.createdAt, id: last.id } });
  }
  const rejected = all.filter((o) => o.status === "REJECTED");
  // Why, counted by reason: a rejection on one composition only is a behaviour to explain, not noise.
  const rejectReasons: Record<string, number> = {};
  for (const o of rejected)
    rejectReasons[o.rejectReason ?? "none"] = (rejectReasons[o.rejectReason ?? "none"] ?? 0) + 1;
  return {
    rate,
    seconds,
    strategies: engine.list().filter((s) => s.running).length,
    achievedTicksPerSec: Math.round((paced.sent / paced.elapsedMs) * 1000),
    ordersPerSec: Math.round(((orders - ordersBefore) / paced.elapsedMs) * 1000),
    acks: acks - acksBefore,
    ordersTotal: all.length,
    rejected: rejected.length,
    rejectReasons,
    latency: summarize(latency),
    latencyHist: encode(latency),
    tickToDecision: summarize(tickToDecision),
    driverLag: summarize(paced.lag),
    stages: Object.fromEntries(STAGES.map((s) => [s, summarize(stages[s])])),
    heapMB: Math.round(process.memoryUsage().heapUsed / 1e6),
    rssMB: Math.round(process.memoryUsage().rss / 1e6),
  };
}
