import { type Account, type EquitySnapshot, type Fill, fx, nowNsString, type Position } from "@jts/contracts";
import { equityOf } from "./equity.ts";
import {
  type AccountSeed,
  applyFillToPosition,
  cashDeltas,
  markPosition,
  type PositionState,
  positionKey,
  toPosition,
} from "./ledger.ts";
import { PositionsView } from "./positions-view.ts";
import { CachedPortfolioRepository } from "./read-model.ts";
import type { PortfolioRepository } from "./repository.ts";

/** The consumer name fills are marked processed under (processed_events), keyed by fill id. */
export const FILL_CONSUMER = "portfolio-tracker";

export type FillOutcome =
  | { status: "applied"; position: Position }
  | { status: "duplicate" }
  | { status: "unknown-account" };

/**
 * The service's books: the durable part (accounts, cash, positions, processed
 * fills) in a PortfolioRepository, the last prices in memory. A position's
 * quantity, average and realized P&L change with fills and are stored; its
 * last price and so its unrealized P&L change with every tick and are kept
 * here, the stored last price being the one known at the position's last
 * fill, shown until the next tick after a restart.
 */
export class Portfolio {
  /** Every position this process knows, as last stored, marked to the latest tick. */
  private readonly book = new Map<string, PositionState>();
  /** The wire positions of the ordinary (memory) reads, formatted once per state. */
  private readonly view = new PositionsView();

  constructor(readonly repository: PortfolioRepository) {}

  /** Seeds the accounts (idempotent) and loads the positions to mark. Returns the ids created. */
  async open(accounts: readonly AccountSeed[]): Promise<string[]> {
    const created = await this.repository.seed(accounts);
    for (const p of await this.repository.listPositions()) this.remember(p);
    return created;
  }

  /**
   * Applies a fill once, in one transaction with its processed mark: a
   * redelivery, even after a restart or to another process, changes nothing.
   * The fill id is the key, not the envelope's, so a fill published again in
   * a new envelope is still counted once. A fill for an unknown account is
   * not marked, so it applies if it comes again once the account exists.
   */
  async applyFill(fill: Fill): Promise<FillOutcome> {
    const key = positionKey(fill.account, fill.symbol);
    let marked: bigint | null | undefined;
    const outcome = await this.repository.transaction(async (tx): Promise<FillOutcome | PositionState> => {
      if (!(await tx.lockAccount(fill.account))) return { status: "unknown-account" };
      if (!(await tx.markProcessed(FILL_CONSUMER, fill.id))) return { status: "duplicate" };
      const stored = await tx.position(fill.account, fill.symbol);
      // The newest mark goes into the stored row, the best last price after a restart.
      marked = this.book.get(key)?.lastPrice;
      const next = applyFillToPosition(stored && { ...stored, lastPrice: marked ?? stored.lastPrice }, fill);
      await tx.savePosition(next);
      for (const [currency, amount] of cashDeltas(fill)) await tx.addCash(fill.account, currency, amount);
      return next;
    });
    if ("status" in outcome) return outcome;
    // A tick marked the position while the transaction ran: that price is newer.
    const current = this.book.get(key)?.lastPrice;
    if (current != null && current !== marked) outcome.lastPrice = current;
    this.book.set(key, outcome);
    return { status: "applied", position: toPosition(outcome) };
  }

  /**
   * Marks the positions in `symbol` this process knows; returns the open ones
   * whose value changed and that `wanted` asks for (a throttle: building the
   * wire Position costs more than the mark, and runs on every tick otherwise).
   */
  markPrice(symbol: string, price: string, ts: string, wanted: (account: string) => boolean = () => true): Position[] {
    const value = fx.toFixed(price);
    const changed: Position[] = [];
    for (const p of this.book.values()) {
      if (p.symbol === symbol && markPosition(p, value, ts) && p.quantity !== 0n && wanted(p.account))
        changed.push(toPosition(p));
    }
    return changed;
  }

  /**
   * The positions, marked to the last prices seen here. `consistent` reads the
   * stored books even when the repository keeps them in memory: what another
   * replica stored a moment ago is there too (risk compares it with the
   * stored processed marks).
   *
   * The ordinary read answers frozen positions (PositionsView): the same array
   * while nothing in it changed, so callers must not modify it (in-process rpc
   * hands it over by reference). A `consistent` read answers fresh objects.
   */
  async listPositions(accounts?: readonly string[], consistent = false): Promise<Position[]> {
    const states = (await this.books(consistent).listPositions(accounts)).map((p) => this.remember(p));
    return consistent ? states.map(toPosition) : this.view.of(accounts, states);
  }

  listAccounts(accounts?: readonly string[], consistent = false): Promise<Account[]> {
    return this.books(consistent).listAccounts(accounts);
  }

  /** Each account's equity per currency now, positions marked to the last prices seen here. */
  async equity(accounts?: readonly string[], ts = nowNsString()): Promise<EquitySnapshot[]> {
    const positions = (await this.repository.listPositions(accounts)).map((p) => this.remember(p));
    return (await this.repository.listAccounts(accounts)).flatMap((account) => equityOf(account, positions, ts));
  }

  accountsOf(owner: string, consistent = false): Promise<string[]> {
    return this.books(consistent).accountsOf(owner);
  }

  /** The repository, or for `consistent` reads the stored one behind an in-memory read model. */
  private books(consistent: boolean): PortfolioRepository {
    return consistent && this.repository instanceof CachedPortfolioRepository
      ? this.repository.stored
      : this.repository;
  }

  /**
   * Takes a stored position into the book, keeping the book's mark. The stored
   * one can be newer (another process applied a fill), so its fill-driven
   * fields win; the later of the two timestamps stays.
   */
  private remember(stored: PositionState): PositionState {
    const key = positionKey(stored.account, stored.symbol);
    const known = this.book.get(key);
    const merged =
      known === undefined
        ? { ...stored }
        : {
            ...stored,
            lastPrice: known.lastPrice ?? stored.lastPrice,
            updatedAt: laterNs(known.updatedAt, stored.updatedAt),
          };
    this.book.set(key, merged);
    return merged;
  }
}

/** The later of two nanosecond digit strings. */
function laterNs(a: string, b: string): string {
  if (a.length !== b.length) return a.length > b.length ? a : b;
  return a > b ? a : b;
}
