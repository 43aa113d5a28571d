import {
  brokerAck,
  HttpDateClock,
  type RateGate,
  type VenueConnector,
  VenueError,
  type VenueMetrics,
  type VenueSink,
  type VenueSocket,
} from "@jts/broker-kit";
import {
  type AccountQuery,
  type Balance,
  type BrokerAck,
  type CancelOrderCommand,
  type Instrument,
  nowNsString,
  type OpenOrdersQuery,
  type Order,
  type Position,
  type QueryOrderCommand,
  type VenueOrder,
} from "@jts/contracts";
import type { Logger } from "@jts/kit";
import { UPBIT_CLOCK_PROBE_MS, UPBIT_VENUE } from "./constants.ts";
import {
  parseBalances,
  parseMarkets,
  parseMyOrder,
  parseOrder,
  parseOrderbook,
  parsePositions,
  parseTicker,
  parseTrade,
  type TickerView,
  type UpbitMyOrder,
  type UpbitOrderbook,
  type UpbitTicker,
  type UpbitTrade,
} from "./parse.ts";
import { UpbitRest } from "./rest.ts";
import { upbitPrivateSocket, upbitPublicSocket } from "./stream.ts";
import { toUpbitMarket } from "./symbols.ts";

export interface UpbitConnectorOptions {
  baseUrl: string;
  /** Public socket URL (…/websocket/v1); the private one is `${wsUrl}/private`. */
  wsUrl: string;
  accessKey?: string;
  secretKey?: string;
  account: string;
  /** JTS symbols (BTC-KRW) to stream. */
  symbols: string[];
  gate: RateGate;
  logger: Logger;
  /** Where the measured clock offset goes (jts_venue_clock_offset_seconds). */
  metrics?: VenueMetrics;
}

const TIME_IN_FORCE: Record<string, string | undefined> = { IOC: "ioc", FOK: "fok" };

/** JTS order -> Upbit POST /v1/orders body; what Upbit cannot express is refused here, before any call. */
export function orderBody(order: Order): Record<string, string> {
  const refuse = (why: string) => {
    throw new VenueError(UPBIT_VENUE, "rejected", why);
  };
  const body: Record<string, string> = {
    market: toUpbitMarket(order.symbol),
    side: order.side === "BUY" ? "bid" : "ask",
  };
  if (order.type === "LIMIT") {
    if (!order.price) refuse("LIMIT needs price");
    if (order.timeInForce === "DAY") refuse("time in force DAY is not supported by Upbit");
    Object.assign(body, { volume: order.quantity, price: order.price, ord_type: "limit" });
    const tif = TIME_IN_FORCE[order.timeInForce];
    if (tif) body.time_in_force = tif;
  } else if (order.type === "MARKET") {
    // Upbit market buys are sized in KRW (ord_type=price), not in coins: JTS sizes orders in coins.
    if (order.side === "BUY") refuse("Upbit market buys are sized in quote currency; send a marketable LIMIT IOC");
    Object.assign(body, { volume: order.quantity, ord_type: "market" });
  } else refuse(`${order.type} orders are not supported on Upbit`);
  body.identifier = order.id;
  return body;
}

/**
 * Upbit as a JTS venue: REST orders and accounts with JWT auth, the public
 * socket (ticker, trade, orderbook) and the private one (myOrder).
 */
export class UpbitConnector implements VenueConnector {
  readonly venue = UPBIT_VENUE;
  readonly rest: UpbitRest;
  readonly clock: HttpDateClock;
  readonly tickers = new Map<string, TickerView>();
  readonly counts = { frames: 0, unparsed: 0, trades: 0, quotes: 0, tickers: 0, reports: 0 };
  private publicSocket: VenueSocket | undefined;
  private privateSocket: VenueSocket | undefined;

  constructor(private readonly options: UpbitConnectorOptions) {
    this.clock = new HttpDateClock({ metrics: options.metrics });
    this.rest = new UpbitRest({
      dateClock: this.clock,
      baseUrl: options.baseUrl,
      accessKey: options.accessKey,
      secretKey: options.secretKey,
      gate: options.gate,
      logger: options.logger,
    });
  }

  async loadInstruments(): Promise<Instrument[]> {
    return parseMarkets(await this.rest.markets());
  }

  async start(sink: VenueSink): Promise<void> {
    this.clock.start(() => this.rest.markets(), UPBIT_CLOCK_PROBE_MS, this.options.logger);
    const codes = this.options.symbols.map(toUpbitMarket);
    const onMessage = (frame: string) => this.onFrame(frame, sink);
    const { wsUrl, logger, accessKey, secretKey } = this.options;
    if (codes.length > 0) {
      this.publicSocket = upbitPublicSocket({ wsUrl, codes, onMessage, logger });
      this.publicSocket.start();
    }
    if (accessKey && secretKey) {
      this.privateSocket = upbitPrivateSocket({ wsUrl, accessKey, secretKey, onMessage, logger });
      this.privateSocket.start();
    }
  }

  async waitConnected(timeoutMs = 5_000): Promise<void> {
    await Promise.all([this.publicSocket?.waitConnected(timeoutMs), this.privateSocket?.waitConnected(timeoutMs)]);
  }

  onFrame(text: string, sink: VenueSink): void {
    this.counts.frames++;
    const frame = JSON.parse(text) as { type?: string; status?: string; error?: unknown };
    switch (frame.type) {
      case "trade":
        this.counts.trades++;
        sink.tick(parseTrade(frame as UpbitTrade));
        return;
      case "orderbook": {
        const quote = parseOrderbook(frame as UpbitOrderbook);
        if (quote) {
          this.counts.quotes++;
          sink.quote(quote);
        }
        return;
      }
      case "ticker": {
        const ticker = parseTicker(frame as UpbitTicker);
        this.counts.tickers++;
        this.tickers.set(ticker.symbol, ticker);
        return;
      }
      case "myOrder": {
        const report = parseMyOrder(frame as UpbitMyOrder, this.options.account);
        if (report) {
          this.counts.reports++;
          sink.report(report);
        }
        return;
      }
    }
    if (frame.status === "UP") return; // the answer to our PING
    if (frame.error) this.options.logger.warn("upbit socket error", { error: frame.error });
    this.counts.unparsed++;
  }

  async stop(): Promise<void> {
    this.clock.stop();
    this.publicSocket?.stop();
    this.privateSocket?.stop();
  }

  async place(order: Order): Promise<BrokerAck> {
    const answer = await this.rest.placeOrder(orderBody(order));
    const created = Date.parse(answer.created_at);
    return brokerAck(order.id, answer.uuid, null, Number.isNaN(created) ? nowNsString() : `${created}000000`);
  }

  async cancel(command: CancelOrderCommand): Promise<BrokerAck> {
    const answer = await this.rest.cancelOrder(command.orderId);
    return brokerAck(command.orderId, answer.uuid, null);
  }

  async queryOrder(query: QueryOrderCommand): Promise<VenueOrder | null> {
    try {
      const order = await this.rest.getOrder({ identifier: query.orderId, uuid: query.venueOrderId });
      return parseOrder(order, query.account);
    } catch (error) {
      if (error instanceof VenueError && error.details.code === "order_not_found") return null;
      throw error;
    }
  }

  async openOrders(query: OpenOrdersQuery): Promise<VenueOrder[]> {
    if (query.account && query.account !== this.options.account) return [];
    const orders = await this.rest.openOrders();
    return orders.map((o) => parseOrder(o, this.options.account)).filter((o): o is VenueOrder => o !== null);
  }

  async balances(query: AccountQuery): Promise<Balance[]> {
    if (query.account !== this.options.account) return [];
    return parseBalances(await this.rest.accounts(), query.account);
  }

  async positions(query: AccountQuery): Promise<Position[]> {
    if (query.account !== this.options.account) return [];
    return parsePositions(await this.rest.accounts(), query.account, nowNsString());
  }
}
