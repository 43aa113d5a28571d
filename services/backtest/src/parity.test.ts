import { describe, expect, it } from "bun:test";
import { createPaperService } from "@jts/broker-paper";
import {
  EventTypes,
  type Fill,
  type Order,
  type Quote,
  type StrategyConfig,
  Subjects,
  type Tick,
  Topics,
} from "@jts/contracts";
import { envelope, InstrumentCatalog, memoryRuntime, type Service } from "@jts/kit";
import { silentLogger } from "@jts/kit/testing";
import { createMarketDataService } from "@jts/market-data-collector";
import { createOrderExecutionService } from "@jts/order-execution";
import { createRiskService, DEFAULT_RISK_LIMITS } from "@jts/risk-management";
import { createStrategyService } from "@jts/strategy-engine";
import { runBacktest } from "./backtest.ts";
import type { MarketEvent } from "./csv.ts";
import { generateSampleCandles } from "./sample.ts";

const ACCOUNT = "paper-main";
const kinds: Array<Pick<StrategyConfig, "kind" | "params">> = [
  { kind: "ma-crossover", params: { fastPeriod: 5, slowPeriod: 15, quantity: "0.1" } },
  { kind: "bollinger", params: { period: 20, width: 2, quantity: "0.1" } },
  { kind: "donchian", params: { entryPeriod: 30, exitPeriod: 15, quantity: "0.1" } },
];
const strategies: StrategyConfig[] = kinds.map(({ kind, params }) => ({
  id: `parity-${kind}`,
  kind,
  account: ACCOUNT,
  symbol: "BTC-KRW",
  venue: "sim",
  timeframe: "tick",
  params,
  enabled: true,
}));

/** The sample's closes as trade prints, one a minute. */
const ticks: Tick[] = generateSampleCandles({ bars: 720 }).map((event, i) => {
  if (event.kind !== "candle") throw new Error("the sample is candles");
  return {
    symbol: "BTC-KRW",
    venue: "sim",
    price: event.candle.close,
    quantity: event.candle.volume,
    aggressor: "NONE",
    tradeId: `p${i}`,
    tsEvent: String(BigInt(event.candle.tsOpen) + 60_000_000_000n),
  };
});

const quoteOf = (tick: Tick): Quote => ({
  symbol: tick.symbol,
  venue: tick.venue,
  // As deep as the print traded: the same book the backtest infers from the same data.
  bid: tick.price,
  bidSize: tick.quantity,
  ask: tick.price,
  askSize: tick.quantity,
  tsEvent: tick.tsEvent,
});

/**
 * The in-memory bus and rpc run on microtasks: once a macrotask turn comes
 * round, every handler, rpc hop and report the last event caused has run.
 */
const settle = async () => {
  for (let i = 0; i < 3; i++) await Bun.sleep(0);
};

describe("parity between live and backtest", () => {
  it("sends the same orders, gets the same fills and books the same P&L for the same data", async () => {
    const runtime = memoryRuntime(silentLogger);
    const catalog = new InstrumentCatalog();
    // Risk takes orders only for accounts the portfolio lists: answer as it would, for a margin
    // account (no cash check, as in the backtest).
    await runtime.rpc.serve(Subjects.positions, () => []);
    await runtime.rpc.serve(Subjects.appliedFills, () => ({ fillIds: [], complete: true }));
    await runtime.rpc.serve(Subjects.accounts, () => [
      { id: ACCOUNT, owner: "admin", venue: "sim", kind: "MARGIN", baseCurrency: "KRW", mode: "PAPER", balances: [] },
    ]);
    const strategyService = createStrategyService(runtime, { strategies, cooldownMs: 0 });
    const services: Service[] = [
      createRiskService(runtime, { catalog, limits: DEFAULT_RISK_LIMITS }),
      createPaperService(runtime, { catalog }),
      createOrderExecutionService(runtime, { catalog, defaultAccount: ACCOUNT }),
      createMarketDataService(runtime, { catalog }),
      strategyService,
    ];
    for (const service of services) await service.start();
    const liveOrders = new Map<string, Order>();
    const liveFills: Fill[] = [];
    await runtime.bus.subscribe(Topics.orderUpdated, (e) => {
      const order = e.payload as Order;
      liveOrders.set(order.clientOrderId, order);
    });
    await runtime.bus.subscribe(Topics.fill, (e) => void liveFills.push(e.payload as Fill));

    for (const tick of ticks) {
      await runtime.bus.publish(
        Topics.quote("sim", tick.symbol),
        envelope(EventTypes.quote, "parity", tick.symbol, quoteOf(tick)),
      );
      await settle();
      await runtime.bus.publish(
        Topics.tick("sim", tick.symbol),
        envelope(EventTypes.tick, "parity", tick.symbol, tick),
      );
      await settle();
    }
    const live = strategyService.engine.list();
    for (const service of services.reverse()) await service.stop();

    const events: MarketEvent[] = ticks.map((tick) => ({ kind: "tick", tick }));
    let compared = 0;
    for (const config of strategies) {
      // Live, an order meets the quote of the event it was decided on: the backtest's "close" fill.
      const replay = await runBacktest({ strategy: config, events, cooldownMs: 0, catalog, fillAt: "close" });
      const liveForStrategy = [...liveOrders.values()]
        .filter((o) => o.strategyId === config.id)
        .map((o) => ({ clientOrderId: o.clientOrderId, side: o.side, quantity: o.quantity, status: o.status }));
      const replayed = replay.orders.map((o) => ({
        clientOrderId: o.clientOrderId,
        side: o.side,
        quantity: o.quantity,
        status: o.status,
      }));
      expect(replayed.length).toBeGreaterThan(1);
      expect(liveForStrategy).toEqual(replayed);

      const fillView = (f: Fill) => ({
        clientOrderId: f.clientOrderId,
        side: f.side,
        price: f.price,
        quantity: f.quantity,
        fee: f.fee,
      });
      expect(liveFills.filter((f) => f.strategyId === config.id).map(fillView)).toEqual(replay.fills.map(fillView));
      expect(live.find((s) => s.config.id === config.id)?.pnl).toEqual(replay.runner.pnl.view());
      compared += replayed.length;
    }
    expect(compared).toBeGreaterThan(10);
  }, 60_000);
});
