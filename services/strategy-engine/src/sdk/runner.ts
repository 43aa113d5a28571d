import {
  type Candle,
  type Fill,
  fx,
  type OrderRequest,
  parseFill,
  type Signal,
  type StrategyConfig,
  type StrategyParams,
  type StrategyStatus,
  type Tick,
} from "@jts/contracts";
import { type Logger, oldestKeyDropper } from "@jts/kit";
import { kindOf } from "./kinds.ts";
import { PnlBook, type PnlState } from "./pnl.ts";
import type { OrderIntent, Strategy, StrategyContext, StrategyKindDefinition } from "./strategy.ts";

/** Where a runner's orders go: the OMS over rpc live, the backtest's risk + paper venue in a replay. */
export interface OrderRouter {
  submit(request: OrderRequest): Promise<void>;
  cancel(clientOrderId: string): Promise<void>;
}

export interface RunnerDeps {
  router: OrderRouter;
  logger: Logger;
  /** Least market time between two orders, so a choppy market cannot machine-gun the OMS. */
  cooldownNs: bigint;
  /** False while another engine instance is active: keep state warm, send nothing. */
  canAct?: () => boolean;
  onSignal?: (signal: Signal) => void | Promise<void>;
  /**
   * Live: the order's round trip (OMS, risk, broker) runs beside the market
   * data instead of holding the next tick until the ack; the in-flight slot
   * still allows one order at a time, and a failed submit frees it. Off in
   * a replay, where each order must settle before the next event.
   */
  detachOrders?: boolean;
  /**
   * Long/short: a strategy's "exit long" signal also opens a short and its
   * "enter long" covers one (the built-ins read it through the context).
   * Off live and by default: long only.
   */
  allowShort?: boolean;
  /** The kind to run; the built-in registry's entry for the config's kind when absent. */
  definition?: StrategyKindDefinition<StrategyParams>;
}

/** What survives a restart. */
export interface RunnerState {
  pnl: PnlState;
  strategy: unknown;
  sequence: number;
  lastOrderNs: string | null;
  signals: number;
  ordersSent: number;
  /**
   * Ids of the most recent fills counted in `pnl`, oldest first. A fill is
   * saved here with the position it moved, so one redelivered after a restart
   * (applied and saved, its offset not committed yet) is not counted again.
   * Absent in states saved before it existed.
   */
  fillIds?: string[];
}

/** Recent fill ids a runner remembers: far more than a strategy gets redelivered at once (one commit interval). */
const REMEMBERED_FILLS = 1000;

const INTERVAL_NS: Record<Candle["interval"], bigint> = {
  "1m": 60n * 10n ** 9n,
  "5m": 300n * 10n ** 9n,
  "1h": 3600n * 10n ** 9n,
  "1d": 86_400n * 10n ** 9n,
};
const TERMINAL = new Set(["FILLED", "CANCELED", "REJECTED", "EXPIRED"]);

/**
 * Hosts one strategy: builds its context, gates its orders (running, one in
 * flight, cooldown), keeps its position and P&L from its fills. The live
 * engine and the backtest both drive strategies through this class only.
 */
export class StrategyRunner {
  readonly pnl = new PnlBook();
  running: boolean;
  signals = 0;
  ordersSent = 0;
  lastSignal: Signal | null = null;
  private strategy: Strategy;
  private inFlight: string | null = null;
  private lastOrderNs: bigint | null = null;
  private sequence = 0;
  private clock = 0n;
  private warming = false;
  /** Fill ids counted in the P&L, oldest first (insertion order), at most REMEMBERED_FILLS. */
  private fillIds = new Set<string>();
  private dropOldestFillId = oldestKeyDropper(this.fillIds);
  private readonly context: StrategyContext;

  constructor(
    private configuration: StrategyConfig,
    private readonly deps: RunnerDeps,
  ) {
    this.running = configuration.enabled;
    this.strategy = this.definition().create(configuration.params);
    const runner = this;
    const logger = deps.logger.child({ strategyId: configuration.id });
    this.context = {
      get strategyId() {
        return runner.configuration.id;
      },
      get symbol() {
        return runner.configuration.symbol;
      },
      get account() {
        return runner.configuration.account;
      },
      get params() {
        return runner.configuration.params;
      },
      get warmingUp() {
        return runner.warming;
      },
      shortsAllowed: deps.allowShort ?? false,
      logger,
      now: () => runner.clock,
      position: () => runner.pnl.position,
      lastPrice: () => runner.pnl.lastPrice,
      submit: (intent) => runner.submit(intent),
      cancel: (clientOrderId) => runner.deps.router.cancel(clientOrderId),
    };
  }

  get config(): StrategyConfig {
    return { ...this.configuration, enabled: this.running };
  }

  /** Whether a tick of `symbol` feeds this strategy; asked for every runner on every tick, so no config copy. */
  takesTicksOf(symbol: string): boolean {
    return this.configuration.symbol === symbol && (this.configuration.timeframe ?? "tick") === "tick";
  }

  /** Whether closed candles of `symbol` at `interval` feed this strategy. */
  takesCandlesOf(symbol: string, interval: Candle["interval"]): boolean {
    return this.configuration.symbol === symbol && this.configuration.timeframe === interval;
  }

  /** Bars of history the strategy needs before its signals mean anything. */
  warmupBars(): number {
    return this.definition().warmupBars(this.configuration.params);
  }

  async start(): Promise<void> {
    await this.strategy.onStart?.(this.context);
  }

  async stop(): Promise<void> {
    await this.strategy.onStop?.(this.context);
  }

  /** Replays closed candles into the strategy with orders off. */
  async warmUp(candles: readonly Candle[]): Promise<void> {
    this.warming = true;
    try {
      for (const candle of candles) await this.candle(candle);
    } finally {
      this.warming = false;
    }
  }

  async tick(tick: Tick): Promise<void> {
    this.clock = BigInt(tick.tsEvent);
    this.pnl.mark(fx.toFixed(tick.price));
    await this.strategy.onTick?.(tick, this.context);
  }

  async candle(candle: Candle): Promise<void> {
    // A closed candle happens at its close: the open time plus its length.
    this.clock = BigInt(candle.tsOpen) + INTERVAL_NS[candle.interval];
    this.pnl.mark(fx.toFixed(candle.close));
    await this.strategy.onCandle?.(candle, this.context);
  }

  /** Counts a fill once: one this runner (or the state it restored) already counted is skipped. */
  async fill(fill: Fill): Promise<void> {
    if (this.fillIds.has(fill.id)) return;
    this.pnl.onFill(parseFill(fill));
    this.fillIds.add(fill.id);
    if (this.fillIds.size > REMEMBERED_FILLS) this.dropOldestFillId();
    await this.strategy.onFill?.(fill, this.context);
  }

  /** An order update: a finished order frees the slot for the next one. */
  orderUpdated(clientOrderId: string, status: string): void {
    if (this.inFlight === clientOrderId && TERMINAL.has(status)) this.inFlight = null;
  }

  /** New parameters: a fresh strategy instance (cold indicators), same book. */
  replaceParams(params: StrategyParams): void {
    this.configuration = { ...this.configuration, params };
    this.strategy = this.definition().create(params);
  }

  private definition(): StrategyKindDefinition<StrategyParams> {
    return this.deps.definition ?? kindOf(this.configuration.kind);
  }

  status(): StrategyStatus {
    return {
      config: this.config,
      running: this.running,
      signals: this.signals,
      ordersSent: this.ordersSent,
      lastSignal: this.lastSignal,
      pnl: this.pnl.view(),
    };
  }

  snapshot(): RunnerState {
    return {
      pnl: this.pnl.snapshot(),
      strategy: this.strategy.snapshot?.() ?? null,
      sequence: this.sequence,
      lastOrderNs: this.lastOrderNs === null ? null : String(this.lastOrderNs),
      signals: this.signals,
      ordersSent: this.ordersSent,
      fillIds: [...this.fillIds],
    };
  }

  restore(state: RunnerState): void {
    this.pnl.restore(state.pnl);
    if (state.strategy !== null) this.strategy.restore?.(state.strategy);
    this.sequence = state.sequence;
    this.lastOrderNs = state.lastOrderNs === null ? null : BigInt(state.lastOrderNs);
    this.signals = state.signals;
    this.ordersSent = state.ordersSent;
    this.fillIds = new Set(state.fillIds ?? []);
    this.dropOldestFillId = oldestKeyDropper(this.fillIds);
  }

  private async submit(intent: OrderIntent): Promise<string | null> {
    if (this.warming || !this.running || !(this.deps.canAct?.() ?? true)) return null;
    const config = this.configuration;
    const after = this.pnl.position + (intent.side === "BUY" ? 1n : -1n) * fx.toFixed(intent.quantity);
    const signal: Signal = {
      strategyId: config.id,
      symbol: config.symbol,
      direction: after > 0n ? "LONG" : after < 0n ? "SHORT" : "FLAT",
      strength: 1,
      reason: intent.reason,
      tsEvent: String(this.clock),
    };
    this.signals++;
    this.lastSignal = signal;
    await this.deps.onSignal?.(signal);
    if (this.inFlight) return null;
    if (this.lastOrderNs !== null && this.clock - this.lastOrderNs < this.deps.cooldownNs) return null;
    // Market time and a persisted sequence: the same data gives the same ids live and in a replay,
    // and a restart never reuses one (the OMS would answer with the old order).
    const clientOrderId = `${config.id.slice(0, 36)}-${this.clock.toString(36)}-${++this.sequence}`;
    this.inFlight = clientOrderId;
    this.lastOrderNs = this.clock;
    this.ordersSent++;
    const sending = this.deps.router
      .submit({
        clientOrderId,
        account: config.account,
        venue: config.venue,
        symbol: config.symbol,
        side: intent.side,
        type: intent.type ?? "MARKET",
        quantity: intent.quantity,
        ...(intent.price ? { price: intent.price } : {}),
        strategyId: config.id,
      })
      .catch((error: unknown) => {
        if (this.inFlight === clientOrderId) this.inFlight = null;
        this.deps.logger.warn("order submit failed", { strategyId: config.id, error: (error as Error).message });
      });
    if (!this.deps.detachOrders) await sending;
    return clientOrderId;
  }
}
