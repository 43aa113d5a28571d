/**
 * CPU and latency of the in-process order path alone, without ticks:
 *   bun bench/src/workers/order-cost.ts --orders=5000
 * Boots the tick-to-order composition with no strategy running, gives the sim
 * symbols a price, then submits MARKET orders one after another over
 * `order.submit` (as the strategy engine does: a plain rpc call, checked by the
 * OMS's contract), alternating BUY and SELL so positions stay flat. Between
 * orders the background lane runs (fills into portfolio, WS hub, metrics), so
 * `cpuUsPerOrder` is everything one order costs the process. The stages are
 * stamped as tick-to-order stamps them (submit -> risk.check -> broker place ->
 * ack), plus `done`: the ack to the submit's answer.
 */
import { type OrderRequest, Subjects } from "@jts/contracts";
import { rpcClient } from "@jts/kit";
import { emit, flags, num, runChild } from "../lib/child.ts";
import { relNs } from "../lib/clock.ts";
import { type Histogram, newHistogram, record, summarize } from "../lib/hist.ts";
import { bootBenchPlatform, simFeedOf } from "../lib/platform.ts";

const STAGES = ["oms", "risk", "oms-route", "broker", "done"] as const;
type Stage = (typeof STAGES)[number];
/** The default strategies' sizes (strategy-engine defaults.ts): small against the dev risk limits. */
const SIZES: Array<[string, string]> = [
  ["BTC-KRW", "0.001"],
  ["ETH-KRW", "0.01"],
  ["005930", "10"],
];

runChild(async () => {
  const args = flags();
  const orders = num(args, "orders", 5000);
  const warmup = num(args, "warmup", Math.min(1000, orders));
  const platform = await bootBenchPlatform({
    STRATEGY_COOLDOWN_MS: "0",
    STRATEGIES: "off",
    SIM_INTERVAL_MS: "3600000",
  });
  const { rpc } = platform.runtime;
  const feed = simFeedOf(platform);
  for (let i = 0; i < 50; i++) await feed.publishStep();
  await Bun.sleep(50);

  let stamps: { riskStart?: number; riskEnd?: number; placeStart?: number; acked?: number } = {};
  const originalRequest = rpc.request.bind(rpc);
  rpc.request = (async (subject: string, payload: unknown, options?: object) => {
    if (subject === Subjects.riskCheck) {
      stamps.riskStart = relNs();
      const reply = await originalRequest(subject, payload, options);
      stamps.riskEnd = relNs();
      return reply;
    }
    if (subject === Subjects.brokerPlace("paper")) {
      stamps.placeStart = relNs();
      const reply = await originalRequest(subject, payload, options);
      stamps.acked = relNs();
      return reply;
    }
    return originalRequest(subject, payload, options);
  }) as typeof rpc.request;

  const { call } = rpcClient(rpc);
  const latency = newHistogram();
  const stages = Object.fromEntries(STAGES.map((s) => [s, newHistogram()])) as Record<Stage, Histogram>;
  const prefix = `cost-${Date.now().toString(36)}`;
  let refused = 0;
  const submit = async (i: number, measured: boolean) => {
    const [symbol, quantity] = SIZES[i % SIZES.length] as [string, string];
    const request: OrderRequest = {
      clientOrderId: `${prefix}-${i}`,
      symbol,
      side: Math.floor(i / SIZES.length) % 2 === 0 ? "BUY" : "SELL",
      type: "MARKET",
      quantity,
    };
    stamps = {};
    const start = relNs();
    const { order } = await call(Subjects.orderSubmit, request);
    const end = relNs();
    if (order.status === "REJECTED") refused++;
    const { riskStart, riskEnd, placeStart, acked } = stamps;
    if (!measured || riskStart === undefined || riskEnd === undefined || placeStart === undefined) return;
    if (acked === undefined) return;
    record(latency, end - start);
    record(stages.oms, riskStart - start);
    record(stages.risk, riskEnd - riskStart);
    record(stages["oms-route"], placeStart - riskEnd);
    record(stages.broker, acked - placeStart);
    record(stages.done, end - acked);
  };
  const yieldToBackground = () => new Promise((resolve) => setImmediate(resolve));

  for (let i = 0; i < warmup; i++) {
    await submit(i, false);
    await yieldToBackground();
  }
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  for (let i = warmup; i < warmup + orders; i++) {
    await submit(i, true);
    await yieldToBackground();
  }
  const cpu = process.cpuUsage(cpuBefore);
  const wallMs = performance.now() - wallBefore;
  emit("result", {
    orders,
    refused,
    cpuUsPerOrder: Math.round(((cpu.user + cpu.system) / orders) * 100) / 100,
    wallUsPerOrder: Math.round(((wallMs * 1000) / orders) * 100) / 100,
    latency: summarize(latency),
    stages: Object.fromEntries(STAGES.map((s) => [s, summarize(stages[s])])),
  });
  await platform.stop();
});
