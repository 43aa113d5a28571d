import { createPaperService, type PaperServiceOptions } from "@jts/broker-paper";
import {
  type Alert,
  EventTypes,
  type Fill,
  type OrderRequest,
  type Quote,
  type RiskDecision,
  type Tick,
  Topics,
} from "@jts/contracts";
import { envelope, memoryRuntime, type Runtime } from "@jts/kit";
import { silentLogger } from "@jts/kit/testing";
import { createOrderExecutionService, type OrderExecutionOptions } from "../service.ts";

export const APPROVE: RiskDecision = { approved: true, rule: null, reason: null, tsEvent: "1" };

/**
 * The OMS in front of the real paper venue (its matching engine) on in-memory
 * ports, risk approving everything: the wiring the OMS's end-to-end tests
 * share. `startOms` starts another OMS on the same runtime (a restart, a
 * second process); `stop` stops everything started here, newest first.
 */
export async function omsOnPaper(options: OrderExecutionOptions = {}, paperOptions: PaperServiceOptions = {}) {
  const runtime: Runtime = memoryRuntime(silentLogger);
  const running: Array<{ stop(): Promise<void> }> = [];
  await runtime.rpc.serve("risk.check", () => APPROVE);
  const paper = createPaperService(runtime, paperOptions);
  await paper.start();
  running.push(paper);
  const fills: Fill[] = [];
  const alerts: Alert[] = [];
  await runtime.bus.subscribe(Topics.fill, (e) => void fills.push(e.payload as Fill));
  await runtime.bus.subscribe(Topics.alert, (e) => void alerts.push(e.payload as Alert));
  const startOms = async (overrides: OrderExecutionOptions = {}) => {
    const oms = createOrderExecutionService(runtime, { ...options, ...overrides });
    await oms.start();
    running.push(oms);
    return oms;
  };
  const oms = await startOms();
  /** A BTC-KRW quote on the sim venue. */
  const quote = (bid: string, ask: string, size = "1") =>
    runtime.bus.publish(
      Topics.quote("sim", "BTC-KRW"),
      envelope<Quote>(EventTypes.quote, "test", "BTC-KRW", {
        symbol: "BTC-KRW",
        venue: "sim",
        bid,
        ask,
        bidSize: size,
        askSize: size,
        tsEvent: "1",
      }),
    );
  let trades = 0;
  /** A BTC-KRW trade on the sim venue, the seller the aggressor. */
  const trade = (price: string, quantity: string) =>
    runtime.bus.publish(
      Topics.tick("sim", "BTC-KRW"),
      envelope<Tick>(EventTypes.tick, "test", "BTC-KRW", {
        symbol: "BTC-KRW",
        venue: "sim",
        price,
        quantity,
        aggressor: "SELL",
        tradeId: `t${++trades}`,
        tsEvent: "1",
      }),
    );
  let n = 0;
  /** A GTC limit buy of 1 BTC-KRW at 99000000 with a fresh clientOrderId. */
  const request = (overrides: Partial<OrderRequest> = {}): OrderRequest => ({
    clientOrderId: `c${++n}`,
    symbol: "BTC-KRW",
    side: "BUY",
    type: "LIMIT",
    price: "99000000",
    quantity: "1",
    timeInForce: "GTC",
    ...overrides,
  });
  const stop = async () => {
    for (const service of running.splice(0).reverse()) await service.stop();
  };
  return { runtime, paper, oms, startOms, quote, trade, request, fills, alerts, stop };
}
