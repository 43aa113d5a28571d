import {
  type EventBus,
  EventTypes,
  type Fill,
  type Fixed,
  fx,
  type Order,
  type RpcTransport,
  type Signal,
  type StrategyConfig,
  type StrategyStatus,
  Subjects,
  type Tick,
  Topics,
} from "@jts/contracts";
import { envelope, type Logger, notFound } from "@jts/kit";
import { MaCrossover } from "./ma-crossover.ts";
import type { Strategy, StrategyIntent } from "./strategy.ts";

interface Slot {
  strategy: Strategy;
  running: boolean;
  position: Fixed;
  signals: number;
  ordersSent: number;
  lastSignal: Signal | null;
  /** clientOrderId of the order in flight; one at a time per strategy. */
  inFlight: string | null;
  lastOrderAt: number;
}

export function createStrategy(config: StrategyConfig): Strategy {
  switch (config.kind) {
    case "ma-crossover":
      return new MaCrossover(config);
  }
}

/**
 * Runs strategies on ticks, one order in flight per strategy and a cooldown
 * between orders so a choppy market cannot machine-gun the OMS.
 */
export class StrategyEngine {
  private readonly slots = new Map<string, Slot>();
  private sequence = 0;

  constructor(
    private readonly bus: EventBus,
    private readonly rpc: RpcTransport,
    private readonly logger: Logger,
    private readonly cooldownMs: number,
    /** False while another engine instance holds the strategy lock: keep state warm, send nothing. */
    private readonly canAct: () => boolean = () => true,
  ) {}

  add(config: StrategyConfig) {
    this.slots.set(config.id, {
      strategy: createStrategy(config),
      running: config.enabled,
      position: 0n,
      signals: 0,
      ordersSent: 0,
      lastSignal: null,
      inFlight: null,
      lastOrderAt: 0,
    });
  }

  list(): StrategyStatus[] {
    return [...this.slots.values()].map((slot) => this.status(slot));
  }

  setRunning(id: string, running: boolean): StrategyStatus {
    const slot = this.slots.get(id);
    if (!slot) throw notFound(`strategy ${id}`);
    slot.running = running;
    this.logger.info(running ? "strategy started" : "strategy stopped", { strategyId: id });
    return this.status(slot);
  }

  async onTick(tick: Tick): Promise<void> {
    for (const [id, slot] of this.slots) {
      if (slot.strategy.config.symbol !== tick.symbol) continue;
      const intent = slot.strategy.onTick(tick, slot.position);
      if (!intent || !slot.running || !this.canAct()) continue;
      await this.act(id, slot, intent, tick);
    }
  }

  onFill(fill: Fill) {
    if (!fill.strategyId) return;
    const slot = this.slots.get(fill.strategyId);
    if (!slot) return;
    const quantity = fx.toFixed(fill.quantity);
    slot.position += fill.side === "BUY" ? quantity : -quantity;
    slot.strategy.onFill?.(fill);
  }

  onOrder(order: Order) {
    const slot = order.strategyId ? this.slots.get(order.strategyId) : undefined;
    if (
      slot &&
      slot.inFlight === order.clientOrderId &&
      ["FILLED", "CANCELED", "REJECTED", "EXPIRED"].includes(order.status)
    ) {
      slot.inFlight = null;
    }
  }

  private async act(id: string, slot: Slot, intent: StrategyIntent, tick: Tick) {
    const config = slot.strategy.config;
    const signal: Signal = {
      strategyId: id,
      symbol: config.symbol,
      direction: intent.side === "BUY" ? "LONG" : "FLAT",
      strength: 1,
      reason: intent.reason,
      tsEvent: tick.tsEvent,
    };
    slot.signals++;
    slot.lastSignal = signal;
    await this.bus.publish(Topics.signal, envelope(EventTypes.signal, "strategy-engine", id, signal));
    if (slot.inFlight || Date.now() - slot.lastOrderAt < this.cooldownMs) return;
    const clientOrderId = `${id}-${Date.now().toString(36)}-${++this.sequence}`;
    slot.inFlight = clientOrderId;
    slot.lastOrderAt = Date.now();
    slot.ordersSent++;
    try {
      await this.rpc.request(Subjects.orderSubmit, {
        clientOrderId,
        account: config.account,
        venue: config.venue,
        symbol: config.symbol,
        side: intent.side,
        type: "MARKET",
        quantity: intent.quantity,
        strategyId: id,
      });
    } catch (error) {
      slot.inFlight = null;
      this.logger.warn("order submit failed", { strategyId: id, error: (error as Error).message });
    }
  }

  private status(slot: Slot): StrategyStatus {
    return {
      config: { ...slot.strategy.config, enabled: slot.running },
      running: slot.running,
      signals: slot.signals,
      ordersSent: slot.ordersSent,
      lastSignal: slot.lastSignal,
    };
  }
}
