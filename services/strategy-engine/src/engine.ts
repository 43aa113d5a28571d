import {
  type Candle,
  type EventBus,
  EventTypes,
  type Fill,
  type Order,
  type RpcTransport,
  type StrategyConfig,
  type StrategyParams,
  type StrategyStatus,
  Subjects,
  type Tick,
  Topics,
} from "@jts/contracts";
import { envelope, type Logger, notFound, rpcClient } from "@jts/kit";
import { checkParams } from "./sdk/kinds.ts";
import { type OrderRouter, StrategyRunner } from "./sdk/runner.ts";
import type { StrategyStateStore } from "./state-store.ts";
import { readWarmupCandles } from "./warmup.ts";

export interface StrategyEngineOptions {
  cooldownMs: number;
  /** False while another engine instance holds the strategy lock. */
  canAct?: () => boolean;
  /** Where runner state is kept across restarts; nothing is kept when absent. */
  state?: StrategyStateStore;
}

/** Orders go to the OMS over rpc; it runs risk and routes to the broker. Cancels name the OMS order id. */
export function rpcOrderRouter(
  rpc: RpcTransport,
  orderIdOf: (clientOrderId: string) => string | undefined,
): OrderRouter {
  const client = rpcClient(rpc);
  return {
    async submit(request) {
      await client.call(Subjects.orderSubmit, request);
    },
    async cancel(clientOrderId) {
      const orderId = orderIdOf(clientOrderId);
      if (orderId) await client.call(Subjects.orderCancel, { orderId });
    },
  };
}

/**
 * The live side: strategies fed from the bus, orders to the OMS over rpc,
 * signals published, state restored on start and saved after every fill.
 */
export class StrategyEngine {
  private readonly runners = new Map<string, StrategyRunner>();
  private readonly router: OrderRouter;
  /** clientOrderId -> OMS order id of the orders still open, for cancels. */
  private readonly openOrders = new Map<string, string>();

  constructor(
    private readonly bus: EventBus,
    private readonly rpc: RpcTransport,
    private readonly logger: Logger,
    private readonly options: StrategyEngineOptions,
  ) {
    this.router = rpcOrderRouter(rpc, (clientOrderId) => this.openOrders.get(clientOrderId));
  }

  /** Adds a strategy: restores its saved state, or warms it up from candle history. */
  async add(config: StrategyConfig): Promise<StrategyStatus> {
    checkParams(config.kind, config.params);
    const runner = new StrategyRunner(config, {
      router: this.router,
      logger: this.logger,
      cooldownNs: BigInt(this.options.cooldownMs) * 1_000_000n,
      canAct: this.options.canAct,
      detachOrders: true,
      // A signal records why; it does not decide the order, so the order does not wait for its publish (a
      // JetStream or Kafka ack). Signals still leave in order: the transports keep call order.
      onSignal: (signal) => {
        this.bus
          .publish(Topics.signal, envelope(EventTypes.signal, "strategy-engine", config.id, signal))
          .catch((error: unknown) =>
            this.logger.warn("signal not published", { strategyId: config.id, error: (error as Error).message }),
          );
      },
    });
    if (!(await this.restore(runner))) await this.warmUp(runner);
    this.runners.set(config.id, runner);
    await runner.start();
    return runner.status();
  }

  list(): StrategyStatus[] {
    return [...this.runners.values()].map((r) => r.status());
  }

  has(id: string): boolean {
    return this.runners.has(id);
  }

  setRunning(id: string, running: boolean): StrategyStatus {
    const runner = this.runner(id);
    runner.running = running;
    this.logger.info(running ? "strategy started" : "strategy stopped", { strategyId: id });
    return runner.status();
  }

  /** New parameters: checked, then a fresh strategy instance warmed up again; position and P&L stay. */
  async setParams(id: string, params: StrategyParams): Promise<StrategyStatus> {
    const runner = this.runner(id);
    checkParams(runner.config.kind, params);
    await runner.stop();
    runner.replaceParams(params);
    await this.warmUp(runner);
    await runner.start();
    await this.save(id, runner);
    return runner.status();
  }

  async onTick(tick: Tick): Promise<void> {
    for (const runner of this.runners.values()) if (runner.takesTicksOf(tick.symbol)) await runner.tick(tick);
  }

  async onCandle(candle: Candle): Promise<void> {
    if (!candle.closed) return;
    for (const runner of this.runners.values())
      if (runner.takesCandlesOf(candle.symbol, candle.interval)) await runner.candle(candle);
  }

  /** Only fills on the strategy's own account count: a tag is the client's word, the account the venue's. */
  async onFill(fill: Fill): Promise<void> {
    const runner = fill.strategyId ? this.runners.get(fill.strategyId) : undefined;
    if (!runner || !fill.strategyId || runner.config.account !== fill.account) return;
    await runner.fill(fill);
    await this.save(fill.strategyId, runner);
  }

  onOrder(order: Order): void {
    const runner = order.strategyId ? this.runners.get(order.strategyId) : undefined;
    if (!runner || runner.config.account !== order.account) return;
    runner.orderUpdated(order.clientOrderId, order.status);
    if (["FILLED", "CANCELED", "REJECTED", "EXPIRED"].includes(order.status))
      this.openOrders.delete(order.clientOrderId);
    else this.openOrders.set(order.clientOrderId, order.id);
  }

  /** Calls every strategy's onStop and saves its state. */
  async stop(): Promise<void> {
    for (const runner of this.runners.values()) await runner.stop();
    await this.saveAll();
  }

  async saveAll(): Promise<void> {
    for (const [id, runner] of this.runners) await this.save(id, runner);
  }

  private runner(id: string): StrategyRunner {
    const runner = this.runners.get(id);
    if (!runner) throw notFound(`strategy ${id}`);
    return runner;
  }

  /** True when saved state was found and applied; unreadable state is logged and the strategy warms up instead. */
  private async restore(runner: StrategyRunner): Promise<boolean> {
    const id = runner.config.id;
    try {
      const saved = await this.options.state?.load(id);
      if (!saved) return false;
      runner.restore(saved);
      return true;
    } catch (error) {
      this.logger.error("strategy state not restored; warming up", { strategyId: id, error: (error as Error).message });
      return false;
    }
  }

  private async save(id: string, runner: StrategyRunner): Promise<void> {
    await this.options.state
      ?.save(id, runner.snapshot())
      .catch((error: unknown) =>
        this.logger.error("strategy state save failed", { strategyId: id, error: (error as Error).message }),
      );
  }

  /** Closed candles of the strategy's timeframe (1m for tick strategies) from md.candles; cold when unavailable. */
  private async warmUp(runner: StrategyRunner): Promise<void> {
    const { symbol, timeframe } = runner.config;
    const interval = !timeframe || timeframe === "tick" ? "1m" : timeframe;
    try {
      // In chunks: one call for 5000 bars could pass NATS's 1 MiB a message.
      const candles = await readWarmupCandles(rpcClient(this.rpc, 2000).call, symbol, interval, runner.warmupBars());
      await runner.warmUp(candles.filter((c) => c.closed));
    } catch (error) {
      this.logger.warn("strategy starts cold: no candle history", {
        strategyId: runner.config.id,
        error: (error as Error).message,
      });
    }
  }
}
