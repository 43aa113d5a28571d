import { type Order, Subjects } from "@jts/contracts";
import type { RpcClient } from "@jts/kit";

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
 * The mode from the portfolio's accounts (rpc portfolio.accounts): an account
 * it does not list, or one without a mode, trades on paper. When the portfolio
 * does not answer the lookup throws and the order is refused: never LIVE by guess.
 */
export function accountModeFromPortfolio(client: RpcClient): AccountModeLookup {
  return async (account) => {
    const accounts = await client.call(Subjects.accounts, { accounts: [account] });
    const found = accounts.find((a) => a.id === account) as { mode?: unknown } | undefined;
    return found?.mode === "LIVE" ? "LIVE" : "PAPER";
  };
}
