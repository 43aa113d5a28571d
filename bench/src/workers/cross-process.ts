/**
 * Scenario 2: tick-to-order across processes.
 *   bun bench/src/workers/cross-process.ts --bus=nats|kafka --rate=1000 --seconds=20 --warmup=5
 *
 * The hot-path services run as `just stack` runs them, each its own process
 * from its own main.ts: strategy-engine, order-execution (in-memory orders),
 * risk-management and broker-paper, with events on JetStream or Kafka, rpc on
 * NATS and the cache on Redis, in a namespace of their own. This process is
 * the sim venue: it publishes SimMarket quotes and ticks on the bus at a
 * constant tick rate, stamping each tick's tsEvent with its tsInit.
 *
 * Latency needs no hook in the services: the strategy's Signal carries the
 * tick's tsEvent and is published (tsInit) just before the strategy submits
 * the order; the Order event says which strategy and when the OMS created it;
 * the broker's ACCEPTED execution report carries the broker's ack time as
 * tsEvent. An order is matched to its strategy's last signal published before
 * the order was created (the strategy handles one tick at a time and submits
 * right after publishing the signal). All processes share one clock (same
 * host; wall-clock origin + monotonic time, as contracts/time.ts).
 */
import { join } from "node:path";
import { SimMarket } from "@jts/broker-sim";
import { type Envelope, EventTypes, nowNs, type Topic, type TopicPayload, Topics } from "@jts/contracts";
import { closeRuntime, envelope, InstrumentCatalog, randomServiceToken, runtimeFromEnv } from "@jts/kit";
import { emit, flags, num, runChild } from "../lib/child.ts";
import { encode, newHistogram, record, summarize } from "../lib/hist.ts";
import { paceConstantRate } from "../lib/pacer.ts";
import { ROOT_DIR } from "../lib/paths.ts";
import { quietLogger } from "../lib/platform.ts";
import { Child, cpuSeconds, freePort } from "../lib/proc.ts";
import { cleanNamespace, ensureServers } from "../lib/servers.ts";

const SERVICES = [
  // Risk takes orders only once the portfolio has told it the accounts' balances.
  { name: "portfolio-tracker", entry: "services/portfolio-tracker/src/main.ts", portEnv: "PORTFOLIO_PORT" },
  { name: "risk-management", entry: "services/risk-management/src/main.ts", portEnv: "RISK_PORT" },
  { name: "broker-paper", entry: "services/brokers/paper/src/main.ts", portEnv: "PAPER_PORT" },
  { name: "order-execution", entry: "services/order-execution/src/main.ts", portEnv: "ORDER_PORT" },
  { name: "strategy-engine", entry: "services/strategy-engine/src/main.ts", portEnv: "STRATEGY_PORT" },
] as const;

interface SignalSeen {
  tickTs: bigint;
  publishedAt: bigint;
}

runChild(async () => {
  const args = flags();
  const busKind = args.bus === "kafka" ? "kafka" : "nats";
  const rate = num(args, "rate", 1000);
  const seconds = num(args, "seconds", 20);
  const warmup = num(args, "warmup", 5);
  /** When set, every service runs under Bun's CPU profiler and writes its profile into <dir>/<service>. */
  const profileDir = args["profile-dir"];
  const { urls, failed } = await ensureServers(busKind === "kafka" ? ["redis", "nats", "kafka"] : ["redis", "nats"]);
  if (Object.keys(failed).length > 0) {
    emit("result", { unavailable: `servers failed to start: ${JSON.stringify(failed)}` });
    return;
  }
  const ns = `bench-${busKind}-${process.pid}`;
  const env: Record<string, string> = {
    ...(urls as Record<string, string>),
    JTS_BUS: busKind,
    JTS_RPC: "nats",
    JTS_CACHE: "redis",
    JTS_NAMESPACE: ns,
    // One signing key for every process, as `just stack` hands out: rpc between them is signed with it.
    JTS_SERVICE_TOKEN: randomServiceToken(),
    STRATEGY_COOLDOWN_MS: "0",
    LOG_LEVEL: "warn",
    // In-memory stores, as measured: a MONGO_URL or DATABASE_URL in the caller's environment would bring stored strategies.
    DATABASE_URL: "",
    MONGO_URL: "",
  };
  const children: Child[] = [];
  // Stopped from outside (the runner's timeout, Ctrl-C): take the services down too, never leave them behind.
  for (const signal of ["SIGTERM", "SIGINT"] as const)
    process.once(signal, () => {
      Promise.all(children.map((c) => c.stop(5000))).finally(() => process.exit(1));
    });
  const runtime = await runtimeFromEnv(quietLogger(), "bench-source", { ...process.env, ...env });
  try {
    for (const service of SERVICES) {
      const port = freePort();
      const profiler = profileDir
        ? ["--cpu-prof", "--cpu-prof-md", `--cpu-prof-dir=${join(profileDir, service.name)}`]
        : [];
      const child = new Child(`cross-${busKind}-${service.name}`, ["bun", ...profiler, join(ROOT_DIR, service.entry)], {
        env: { ...env, [service.portEnv]: String(port) },
      });
      children.push(child);
      await waitHealthy(child, `http://127.0.0.1:${port}/health`);
    }

    const signals = new Map<string, SignalSeen[]>();
    const created = new Map<string, { strategyId: string; createdAt: bigint }>();
    const acks: Array<{ orderId: string; ackAt: bigint }> = [];
    let rejected = 0;
    await runtime.bus.subscribe(Topics.signal, (e) => {
      const p = e.payload;
      const list = signals.get(p.strategyId) ?? [];
      list.push({ tickTs: BigInt(p.tsEvent), publishedAt: BigInt(e.tsInit) });
      signals.set(p.strategyId, list);
    });
    await runtime.bus.subscribe(Topics.orderUpdated, (e) => {
      const order = e.payload;
      if (order.status === "NEW" && order.strategyId)
        created.set(order.id, { strategyId: order.strategyId, createdAt: BigInt(order.createdAt) });
      if (order.status === "REJECTED") rejected++;
    });
    await runtime.bus.subscribe(Topics.executionReport, (e) => {
      const report = e.payload;
      if (report.kind === "ACCEPTED") acks.push({ orderId: report.orderId, ackAt: BigInt(report.tsEvent) });
    });

    // The sim venue: quotes and ticks on the bus, published without waiting (as a feed would).
    const market = new SimMarket(new InstrumentCatalog().all, 42);
    let inFlight = 0;
    let maxInFlight = 0;
    let publishErrors = 0;
    /** Tick publish -> its ack (JetStream PubAck, Kafka produce acked): the feed's side of tick->signal. */
    const tickAcked = newHistogram();
    let measuring = false;
    const publish = <T extends Topic>(topic: T, event: Envelope<TopicPayload<T>>) => {
      inFlight++;
      if (inFlight > maxInFlight) maxInFlight = inFlight;
      const isTick = event.type === EventTypes.tick;
      runtime.bus.publish(topic, event).then(
        () => {
          inFlight--;
          if (isTick && measuring) record(tickAcked, Number(nowNs() - BigInt(event.tsInit)));
        },
        () => {
          inFlight--;
          publishErrors++;
        },
      );
    };
    const step = () => {
      let ticks = 0;
      for (const { quote, ticks: trades } of market.step(nowNs())) {
        publish(Topics.quote(quote.venue, quote.symbol), envelope(EventTypes.quote, "sim", quote.symbol, quote));
        for (const tick of trades) {
          // tsEvent = tsInit: the Signal carries tsEvent, so the tick's own stamp reaches the matcher.
          const event = envelope(EventTypes.tick, "sim", tick.symbol, tick);
          event.payload.tsEvent = event.tsInit;
          publish(Topics.tick(tick.venue, tick.symbol), event);
          ticks++;
        }
      }
      return ticks;
    };

    // Timer pacing: setImmediate pacing spins a core between ticks, and on the 2-core host that core is taken
    // from the services and servers being measured (at 100 ticks/s it waits 99% of the time). Latency is
    // measured from each tick's own stamp, so a send a timer makes late is not charged to the order path.
    await paceConstantRate(rate, warmup * 1000, step, "timer");
    const cpuBefore = await Promise.all(children.map((c) => cpuSeconds(c.pid)));
    const measureFrom = nowNs();
    measuring = true;
    const paced = await paceConstantRate(rate, seconds * 1000, step, "timer");
    measuring = false;
    const measureTo = nowNs();
    const cpuAfter = await Promise.all(children.map((c) => cpuSeconds(c.pid)));
    // CPU per tick of each service over the measured window: what a change removed, on a host whose load
    // moves the latencies several-fold.
    const cpuUsPerTick = Object.fromEntries(
      SERVICES.map((service, i) => [
        service.name,
        Math.round((((cpuAfter[i] ?? 0) - (cpuBefore[i] ?? 0)) * 1e6) / Math.max(1, paced.sent)),
      ]),
    );
    // Drain: let the last ticks' orders complete.
    const drainUntil = Date.now() + 5000;
    while (Date.now() < drainUntil && inFlight > 0) await Bun.sleep(50);
    await Bun.sleep(busKind === "kafka" ? 3000 : 1500);

    const latency = newHistogram();
    const toSignal = newHistogram();
    const toOrder = newHistogram();
    const toAck = newHistogram();
    for (const list of signals.values()) list.sort((a, b) => (a.publishedAt < b.publishedAt ? -1 : 1));
    let matched = 0;
    let unmatched = 0;
    for (const { orderId, ackAt } of acks) {
      const order = created.get(orderId);
      const list = order ? signals.get(order.strategyId) : undefined;
      if (!order || !list) {
        unmatched++;
        continue;
      }
      let signal: SignalSeen | undefined;
      for (let i = list.length - 1; i >= 0; i--) {
        const s = list[i] as SignalSeen;
        if (s.publishedAt <= order.createdAt) {
          signal = s;
          break;
        }
      }
      if (!signal) {
        unmatched++;
        continue;
      }
      if (signal.tickTs < measureFrom || signal.tickTs > measureTo) continue;
      matched++;
      record(latency, Number(ackAt - signal.tickTs));
      record(toSignal, Number(signal.publishedAt - signal.tickTs));
      record(toOrder, Number(order.createdAt - signal.publishedAt));
      record(toAck, Number(ackAt - order.createdAt));
    }
    emit("result", {
      bus: busKind,
      rate,
      seconds,
      achievedTicksPerSec: Math.round((paced.sent / paced.elapsedMs) * 1000),
      orders: matched,
      unmatched,
      seen: {
        signals: [...signals.values()].reduce((n, l) => n + l.length, 0),
        created: created.size,
        acks: acks.length,
      },
      rejected,
      publishErrors,
      maxInFlightPublishes: maxInFlight,
      cpuUsPerTick,
      latency: summarize(latency),
      latencyHist: encode(latency),
      stages: {
        "tick published->acked (feed's publish, not on the order path)": summarize(tickAcked),
        "tick->signal (bus delivery, strategy)": summarize(toSignal),
        "signal->order created (signal publish, submit rpc)": summarize(toOrder),
        "order created->broker ack (OMS, risk rpc, broker rpc)": summarize(toAck),
      },
    });
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    await closeRuntime(runtime).catch(() => {});
    await cleanNamespace(ns, urls);
  }
});

async function waitHealthy(child: Child, url: string) {
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (!child.running) throw new Error(`${child.name} exited during start (log: ${child.log})`);
    const ok = await fetch(url)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${child.name} not healthy after 90 s (log: ${child.log})`);
    await Bun.sleep(100);
  }
}
