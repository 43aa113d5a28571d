import { type AccountModeChange, type EventBus, type Order, Subjects, type Subscription, Topics } from "@jts/contracts";
import type { Logger, RpcClient } from "@jts/kit";

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
}

/**
 * Which broker an order goes to: PAPER accounts always to the paper broker,
 * LIVE ones to their venue's broker. The broker an order was sent to is
 * remembered, so a later cancel reaches the same broker even if the account's
 * mode changed meanwhile (within this process; after a restart the current
 * mode decides).
 */
export class BrokerRouter {
  private readonly sentTo = new Map<string, string>();
  private readonly paperBroker: string;
  private readonly accountMode: AccountModeLookup;

  constructor(private readonly options: RoutingOptions) {
    this.paperBroker = options.paperBroker ?? "paper";
    this.accountMode = options.accountMode ?? (() => "PAPER");
  }

  /** The broker for the order, or null when no broker serves its venue. */
  async brokerFor(order: Pick<Order, "id" | "account" | "venue">): Promise<string | null> {
    const known = this.sentTo.get(order.id);
    if (known) return known;
    const mode = await this.accountMode(order.account);
    const broker = mode === "PAPER" ? this.paperBroker : (this.options.routes[order.venue] ?? null);
    if (broker) this.sentTo.set(order.id, broker);
    return broker;
  }

  forget(orderId: string): void {
    this.sentTo.delete(orderId);
  }

  /** Every broker an order can reach: what reconciliation asks. */
  brokers(): string[] {
    return [...new Set([this.paperBroker, ...Object.values(this.options.routes)])];
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
  private stopped = false;
  readonly lookup: AccountModeLookup = (account) => this.modes.get(account) ?? "PAPER";

  /** Follow the announcements first, then read the snapshot, so no change falls between the two. */
  async start(bus: EventBus, client: RpcClient, logger: Logger): Promise<Subscription> {
    const subscription = await bus.subscribe(Topics.accountMode, (event) => {
      const change = event.payload as AccountModeChange;
      this.modes.set(change.account, change.mode);
    });
    void this.loadSnapshot(client, logger);
    return subscription;
  }

  private async loadSnapshot(client: RpcClient, logger: Logger): Promise<void> {
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        const accounts = await client.call(Subjects.accounts, {});
        // An announcement that arrived meanwhile is newer than the snapshot: keep it.
        for (const account of accounts) if (!this.modes.has(account.id)) this.modes.set(account.id, account.mode);
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
