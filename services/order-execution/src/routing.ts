import { type EventBus, type Order, Subjects, type Subscription, Topics, Venue } from "@jts/contracts";
import type { Logger, RpcClient } from "@jts/kit";
import type { OrderRepository } from "./repository.ts";

export type AccountMode = "PAPER" | "LIVE";

/** How an account trades; the portfolio's Account carries it. */
export type AccountModeLookup = (account: string) => AccountMode | Promise<AccountMode>;

export interface RoutingOptions {
  /** venue -> the broker service of that venue, for LIVE accounts. */
  routes: Record<string, string>;
  /** Where PAPER accounts go; "paper" by default. */
  paperBroker?: string;
  accountMode?: AccountModeLookup;
  /** broker -> whether its venue holds stop orders itself; the OMS holds the others' stops. */
  nativeStops?: Record<string, boolean>;
  /** broker -> whether its venue amends an order in place (rpc broker.<name>.amend); the others are canceled and replaced. */
  nativeAmend?: Record<string, boolean>;
}

const VENUES: ReadonlySet<string> = new Set(Venue.anyOf.map((literal) => literal.const));
const ROUTE = /^([a-z0-9-]+):([a-z0-9-]+)$/;

/**
 * ORDER_ROUTES, e.g. `binance:binance,upbit:upbit,kis:kis,creon:creon`: the
 * broker service (rpc `broker.<name>.*`) LIVE orders of each venue go to. The
 * sim venue goes to paper unless named. Throws on anything else, so a typo
 * stops the OMS at start instead of refusing LIVE orders later.
 */
export function parseOrderRoutes(text: string): Record<string, string> {
  const routes: Record<string, string> = {};
  for (const item of text.split(",")) {
    const pair = item.trim();
    if (!pair) continue;
    const match = ROUTE.exec(pair);
    if (!match) throw new Error(`ORDER_ROUTES: ${JSON.stringify(pair)} is not venue:broker`);
    const [, venue, broker] = match as unknown as [string, string, string];
    if (!VENUES.has(venue)) throw new Error(`ORDER_ROUTES: unknown venue ${venue} (one of ${[...VENUES].join(", ")})`);
    if (venue in routes) throw new Error(`ORDER_ROUTES: ${venue} is routed twice`);
    routes[venue] = broker;
  }
  return { sim: "paper", ...routes };
}

/**
 * ORDER_NATIVE_AMEND, e.g. `kis,creon`: the brokers whose venue amends an
 * order in place (rpc `broker.<name>.amend`); `none` for none. Throws on a
 * name that cannot be a broker's, so a typo stops the OMS at start.
 */
export function parseNativeAmend(text: string): Record<string, boolean> {
  if (text.trim() === "none") return {};
  const brokers: Record<string, boolean> = {};
  for (const item of text.split(",")) {
    const broker = item.trim();
    if (!broker) continue;
    if (!/^[a-z0-9-]+$/.test(broker))
      throw new Error(`ORDER_NATIVE_AMEND: ${JSON.stringify(broker)} is not a broker name`);
    brokers[broker] = true;
  }
  return brokers;
}

/** Where the broker each order was routed to is kept: the order repository. */
export type BrokerBindings = Pick<OrderRepository, "bindBroker" | "brokerOf">;

/**
 * Which broker an order goes to: PAPER accounts always to the paper broker,
 * LIVE ones to their venue's broker. The choice is bound to the order in the
 * repository, stored with the order itself when the OMS creates it (byMode,
 * then OrderRepository.create), and every later cancel, query, stop release
 * and reconciliation follows that binding: after a restart, on another
 * replica or after a disarm the account's current mode may read otherwise.
 */
export class BrokerRouter {
  private readonly paperBroker: string;
  private readonly accountMode: AccountModeLookup;

  constructor(
    private readonly options: RoutingOptions,
    private readonly bindings: BrokerBindings,
  ) {
    this.paperBroker = options.paperBroker ?? "paper";
    this.accountMode = options.accountMode ?? (() => "PAPER");
  }

  /**
   * Routes an order whose binding is not known here (one resumed after a
   * restart): its bound broker, or, when it has none (stored by an older
   * version, or when no broker served it then), the one its account's mode
   * picks, bound to it now (the first binding wins, should two processes
   * route it). Null when no broker serves its venue.
   */
  async bind(order: Pick<Order, "id" | "account" | "venue">): Promise<string | null> {
    const broker = await this.byMode(order);
    // One round trip: the repository keeps an earlier binding and returns it.
    return broker ? this.bindings.bindBroker(order.id, broker) : this.bindings.brokerOf(order.id);
  }

  /**
   * The broker that holds the order. One never bound (still NEW, or routed
   * before the binding was stored) gets the broker its account's mode picks.
   */
  async brokerFor(order: Pick<Order, "id" | "account" | "venue">): Promise<string | null> {
    return (await this.bindings.brokerOf(order.id)) ?? this.byMode(order);
  }

  /**
   * The broker the account's mode picks now, from memory (no rpc, nothing
   * read or written in the repository): what a new order is stored bound to,
   * and what it is checked against again once risk has approved it.
   */
  async byMode(order: Pick<Order, "account" | "venue">): Promise<string | null> {
    const mode = await this.accountMode(order.account);
    return mode === "PAPER" ? this.paperBroker : (this.options.routes[order.venue] ?? null);
  }

  /** Every broker an order can reach: what reconciliation asks. */
  brokers(): string[] {
    return [...new Set([this.paperBroker, ...Object.values(this.options.routes)])];
  }

  /** Off unless configured: cancel-replace works at every venue, a native amend only where the broker serves it. */
  amendsNatively(broker: string): boolean {
    return this.options.nativeAmend?.[broker] ?? false;
  }

  holdsStops(broker: string): boolean {
    return this.options.nativeStops?.[broker] ?? broker === this.paperBroker;
  }
}

/**
 * Every account's mode, kept from the portfolio's announcements
 * (`portfolio.account-mode`) after one read of its accounts at start, so
 * routing an order costs no rpc hop and never waits on the portfolio. An
 * account the book has not heard of trades on paper: LIVE only when the
 * portfolio said so.
 */
export class AccountModeBook {
  private readonly modes = new Map<string, AccountMode>();
  /** Each account's announcements counted: a LIVE confirmation read before a later one is dropped. */
  private readonly announcements = new Map<string, number>();
  private stopped = false;
  readonly lookup: AccountModeLookup = (account) => this.modes.get(account) ?? "PAPER";
  private markLoaded: () => void = () => {};
  /** Settles once the portfolio's snapshot is in (never, while it does not answer). */
  readonly loaded = new Promise<void>((resolve) => {
    this.markLoaded = resolve;
  });

  /**
   * Follow the announcements first, then read the snapshot, so no change
   * falls between the two. Bus events are not signed (rpc is), so anyone
   * holding the bus password could announce an arm: PAPER applies at once
   * (the safe side), LIVE only once a consistent read of the portfolio says so.
   */
  async start(bus: EventBus, client: RpcClient, logger: Logger): Promise<Subscription> {
    const subscription = await bus.subscribe(Topics.accountMode, (event) => {
      const { account, mode } = event.payload;
      const announcement = (this.announcements.get(account) ?? 0) + 1;
      this.announcements.set(account, announcement);
      if (mode === "PAPER") this.modes.set(account, "PAPER");
      else void this.confirmLive(account, announcement, client, logger);
    });
    void this.loadSnapshot(client, logger);
    return subscription;
  }

  /** The account's stored mode, unless a later announcement came meanwhile (it decides, or confirms, itself). */
  private async confirmLive(account: string, announcement: number, client: RpcClient, logger: Logger): Promise<void> {
    for (let attempt = 1; !this.stopped && this.announcements.get(account) === announcement; attempt++) {
      try {
        const [stored] = await client.call(Subjects.accounts, { accounts: [account], consistent: true });
        if (this.announcements.get(account) !== announcement) return;
        if (stored?.mode !== "LIVE") logger.warn("a LIVE announcement the portfolio does not confirm", { account });
        this.modes.set(account, stored?.mode ?? "PAPER");
        return;
      } catch (error) {
        // Until the portfolio confirms, the account stays as it was (PAPER unless it was LIVE already).
        if (attempt === 1) logger.warn("cannot confirm an account's arming yet", { account, error });
        await Bun.sleep(Math.min(30_000, 500 * 2 ** Math.min(attempt, 6)));
      }
    }
  }

  private async loadSnapshot(client: RpcClient, logger: Logger): Promise<void> {
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        // consistent: the stored modes; a portfolio replica's memory may not have heard a disarm yet.
        const accounts = await client.call(Subjects.accounts, { consistent: true });
        // An announcement that arrived meanwhile is newer than the snapshot: keep it.
        for (const account of accounts) if (!this.modes.has(account.id)) this.modes.set(account.id, account.mode);
        this.markLoaded();
        return;
      } catch (error) {
        // Until the portfolio answers every account stays PAPER, the safe side.
        if (attempt === 1) logger.warn("account modes not loaded yet; routing every account to paper", { error });
        await Bun.sleep(Math.min(30_000, 500 * 2 ** Math.min(attempt, 6)));
      }
    }
  }

  stop(): void {
    this.stopped = true;
  }
}
