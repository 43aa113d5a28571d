import {
  brokerAck,
  type RateGate,
  ServerClock,
  type VenueConnector,
  VenueError,
  type VenueMetrics,
  type VenueSink,
  type VenueSocket,
  venueDecimal,
} from "@jts/broker-kit";
import {
  type AccountQuery,
  type Balance,
  type BrokerAck,
  type CancelOrderCommand,
  fromFixed,
  type Instrument,
  type OpenOrdersQuery,
  type Order,
  type Position,
  type QueryOrderCommand,
  toFixed,
  type VenueOrder,
} from "@jts/contracts";
import type { InstrumentCatalog, Logger } from "@jts/kit";
import {
  BINANCE_CLOCK_REFRESH_MS,
  BINANCE_LIMIT_VALUES,
  BINANCE_LISTEN_KEY_KEEPALIVE_MS,
  BINANCE_VENUE,
} from "./constants.ts";
import {
  type BinanceExecutionReport,
  type BinanceKlineEvent,
  describeRateLimits,
  parseBalances,
  parseBookTicker,
  parseExchangeInfo,
  parseExecutionReport,
  parseKlineEvent,
  parseOrder,
} from "./parse.ts";
import { parseTradeFrame } from "./parse-trade.ts";
import { BinanceRest } from "./rest.ts";
import { binanceMarketSocket, binanceUserSocket, marketStreams } from "./stream.ts";
import { BinanceSymbols } from "./symbols.ts";

export interface BinanceConnectorOptions {
  baseUrl: string;
  wsUrl: string;
  apiKey?: string;
  apiSecret?: string;
  recvWindowMs?: number;
  /** JTS account the venue account is booked under. */
  account: string;
  /** JTS symbols to stream trades, book tickers and 1m klines for. */
  symbols: string[];
  gate: RateGate;
  logger: Logger;
  /** Kline intervals streamed; default ["1m"]. */
  klineIntervals?: string[];
  /** Where the measured clock offset goes (jts_venue_clock_offset_seconds). */
  metrics?: VenueMetrics;
}

/** Binance orders that JTS can express; DAY does not exist on Binance spot. */
function orderParams(order: Order, venueSymbol: string): Record<string, string> {
  const base: Record<string, string> = {
    symbol: venueSymbol,
    side: order.side,
    quantity: order.quantity,
    newClientOrderId: order.id,
  };
  const tif = order.timeInForce === "DAY" ? null : order.timeInForce;
  const needTif = () => {
    if (!tif) throw new VenueError(BINANCE_VENUE, "rejected", "time in force DAY is not supported by Binance spot");
    return tif;
  };
  const needPrice = (name: "price" | "stopPrice") => {
    const value = order[name];
    if (!value) throw new VenueError(BINANCE_VENUE, "rejected", `${order.type} needs ${name}`);
    return value;
  };
  switch (order.type) {
    case "MARKET":
      return { ...base, type: "MARKET" };
    case "LIMIT":
      return { ...base, type: "LIMIT", timeInForce: needTif(), price: needPrice("price") };
    // Binance's STOP_LOSS triggers a sell at or below, a buy at or above the stop price.
    case "STOP_MARKET":
      return { ...base, type: "STOP_LOSS", stopPrice: needPrice("stopPrice") };
    case "STOP_LIMIT":
      return {
        ...base,
        type: "STOP_LOSS_LIMIT",
        timeInForce: needTif(),
        price: needPrice("price"),
        stopPrice: needPrice("stopPrice"),
      };
  }
}

/**
 * Binance spot as a JTS venue: REST for orders and account, a combined
 * market stream (trade, bookTicker, kline) and the user data stream
 * (listenKey, executionReport) for order events.
 */
export class BinanceConnector implements VenueConnector {
  readonly venue = BINANCE_VENUE;
  readonly rest: BinanceRest;
  readonly clock: ServerClock;
  readonly symbols = new BinanceSymbols();
  lastUsedWeight = 0;
  lastOrderCount10s = 0;
  private marketSocket: VenueSocket | undefined;
  private userSocket: VenueSocket | undefined;
  private keepAlive: ReturnType<typeof setInterval> | undefined;
  private listenKey: string | undefined;
  readonly counts = { frames: 0, unparsed: 0, trades: 0, quotes: 0, reports: 0 };

  constructor(private readonly options: BinanceConnectorOptions) {
    this.clock = new ServerClock(() => this.rest.serverTime(), {
      logger: options.logger,
      metrics: options.metrics,
      refreshMs: BINANCE_CLOCK_REFRESH_MS,
    });
    this.rest = new BinanceRest({
      baseUrl: options.baseUrl,
      apiKey: options.apiKey,
      apiSecret: options.apiSecret,
      recvWindowMs: options.recvWindowMs,
      gate: options.gate,
      clock: this.clock,
      logger: options.logger,
      onUsedWeight: (used) => this.onUsedWeight(used),
      onOrderCount: (count) => {
        this.lastOrderCount10s = count;
      },
    });
  }

  /**
   * The venue's own count is the truth (other programs may share the IP):
   * close to the limit, stop until the venue's minute turns over.
   */
  private onUsedWeight(used: number): void {
    this.lastUsedWeight = used;
    if (used >= BINANCE_LIMIT_VALUES.weightPerMinute * 0.98) {
      const untilNextMinute = 60_000 - (this.clock.now() % 60_000);
      this.options.logger.warn("venue reports weight near the limit; pausing", { used, pauseMs: untilNextMinute });
      void this.options.gate.pauseFor(untilNextMinute, "weight");
    }
  }

  async loadInstruments(): Promise<Instrument[]> {
    const info = await this.rest.exchangeInfo();
    for (const s of info.symbols) this.symbols.add(s.baseAsset, s.quoteAsset);
    const stated = describeRateLimits(info.rateLimits ?? []);
    const weight = stated.find((l) => l.type === "REQUEST_WEIGHT" && l.windowMs === 60_000);
    if (weight && weight.limit !== BINANCE_LIMIT_VALUES.weightPerMinute)
      this.options.logger.warn("exchangeInfo states a different weight limit", { stated: weight.limit });
    return parseExchangeInfo(info);
  }

  async start(sink: VenueSink, catalog: InstrumentCatalog): Promise<void> {
    for (const instrument of catalog.all) this.symbols.add(instrument.base, instrument.quote);
    // The streamed symbols parse even when exchangeInfo could not be loaded.
    for (const symbol of this.options.symbols) {
      const [base, quote] = symbol.split("-");
      if (base && quote) this.symbols.add(base, quote);
    }
    await this.clock.start();
    const streams = marketStreams(
      this.options.symbols.map((symbol) => this.symbols.venueOf(symbol)),
      this.options.klineIntervals ?? ["1m"],
    );
    if (streams.length > 0) {
      this.marketSocket = binanceMarketSocket({
        wsUrl: this.options.wsUrl,
        streams,
        onMessage: (frame) => this.onMarketFrame(frame, sink),
        logger: this.options.logger,
      });
      this.marketSocket.start();
    }
    if (this.options.apiKey) this.startUserStream(sink);
  }

  private startUserStream(sink: VenueSink): void {
    this.userSocket = binanceUserSocket({
      wsUrl: this.options.wsUrl,
      listenKey: async () => {
        this.listenKey = await this.rest.createListenKey();
        return this.listenKey;
      },
      onMessage: (frame) => this.onUserFrame(frame, sink),
      logger: this.options.logger,
    });
    this.userSocket.start();
    this.keepAlive = setInterval(() => {
      if (this.listenKey)
        this.rest
          .keepAliveListenKey(this.listenKey)
          .catch((error) => this.options.logger.warn("listenKey keepalive failed", { error }));
    }, BINANCE_LISTEN_KEY_KEEPALIVE_MS);
    this.keepAlive.unref?.();
  }

  /** Waits until the streams are up (start-up, tests). */
  async waitConnected(timeoutMs = 5_000): Promise<void> {
    await Promise.all([this.marketSocket?.waitConnected(timeoutMs), this.userSocket?.waitConnected(timeoutMs)]);
  }

  onMarketFrame(frame: string, sink: VenueSink): void {
    this.counts.frames++;
    const tick = parseTradeFrame(frame, this.symbols);
    if (tick) {
      this.counts.trades++;
      sink.tick(tick);
      return;
    }
    const parsed = JSON.parse(frame) as { stream?: string; data?: Record<string, unknown> } & Record<string, unknown>;
    const data = (parsed.data ?? parsed) as Record<string, unknown>;
    if (data.e === "kline") {
      const candle = parseKlineEvent(data as unknown as BinanceKlineEvent, this.symbols);
      if (candle) sink.candle(candle);
      return;
    }
    if (typeof data.b === "string" && typeof data.a === "string" && typeof data.s === "string") {
      const quote = parseBookTicker(data as { s: string; b: string; B: string; a: string; A: string }, this.symbols);
      if (quote) {
        this.counts.quotes++;
        sink.quote(quote);
        return;
      }
    }
    this.counts.unparsed++;
  }

  onUserFrame(frame: string, sink: VenueSink): void {
    const event = JSON.parse(frame) as { e?: string };
    if (event.e === "executionReport") {
      const report = parseExecutionReport(event as BinanceExecutionReport, this.symbols, this.options.account);
      if (report) {
        this.counts.reports++;
        sink.report(report);
      }
    } else if (event.e === "listenKeyExpired") {
      this.options.logger.warn("listenKey expired; reconnecting the user stream");
      this.userSocket?.stop();
      this.userSocket?.start();
    }
  }

  async stop(): Promise<void> {
    this.marketSocket?.stop();
    this.userSocket?.stop();
    if (this.keepAlive) clearInterval(this.keepAlive);
    this.clock.stop();
  }

  async place(order: Order): Promise<BrokerAck> {
    const answer = await this.rest.newOrder(orderParams(order, this.symbols.venueOf(order.symbol)));
    return brokerAck(order.id, String(answer.orderId), null, `${answer.transactTime}000000`);
  }

  /** Binance answers a cancel with the closed order: its executedQty is final, and the OMS sizes an amend by it. */
  async cancel(command: CancelOrderCommand): Promise<BrokerAck> {
    const answer = await this.rest.cancelOrder(this.symbols.venueOf(command.symbol), command.orderId);
    const ack = brokerAck(command.orderId, String(answer.orderId), null);
    if (answer.status !== "CANCELED") return ack;
    return { ...ack, filledQuantity: fromFixed(toFixed(venueDecimal(answer.executedQty))) };
  }

  async queryOrder(query: QueryOrderCommand): Promise<VenueOrder | null> {
    try {
      const order = await this.rest.queryOrder(this.symbols.venueOf(query.symbol), {
        clientOrderId: query.orderId,
        orderId: query.venueOrderId,
      });
      return parseOrder(order, this.symbols, query.account);
    } catch (error) {
      // -2013: "Order does not exist."
      if (error instanceof VenueError && error.details.code === -2013) return null;
      throw error;
    }
  }

  async openOrders(query: OpenOrdersQuery): Promise<VenueOrder[]> {
    if (query.account && query.account !== this.options.account) return [];
    const orders = await this.rest.openOrders();
    return orders
      .map((o) => parseOrder(o, this.symbols, this.options.account))
      .filter((o): o is VenueOrder => o !== null);
  }

  async balances(query: AccountQuery): Promise<Balance[]> {
    if (query.account !== this.options.account) return [];
    return parseBalances((await this.rest.account()).balances, query.account);
  }

  /** Spot holds balances, not positions: the portfolio derives positions from fills. */
  async positions(_query: AccountQuery): Promise<Position[]> {
    return [];
  }
}
