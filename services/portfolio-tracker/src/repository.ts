import type { Account, AccountMode, EquitySnapshot, Fixed } from "@jts/contracts";
import type { AccountSeed, PositionState } from "./ledger.ts";

/**
 * One unit of work on the books. Its writes commit together or not at all.
 * Reads return copies: change them, then save.
 */
export interface PortfolioTransaction {
  /**
   * False when the account does not exist. Otherwise the account is held until
   * the transaction ends, so the fills of one account apply one at a time,
   * including the first fill of a position that has no row to lock yet.
   */
  lockAccount(id: string): Promise<boolean>;
  /** The stored position, or undefined when none was opened yet. */
  position(account: string, symbol: string): Promise<PositionState | undefined>;
  /** Inserts or replaces the position (its venue and currency are kept from the first save). */
  savePosition(position: PositionState): Promise<void>;
  /** Adds `delta` (negative to take) to the account's cash in `currency`, opening that balance at 0. */
  addCash(account: string, currency: string, delta: Fixed): Promise<void>;
  /** False when `consumer` processed this event id before, even in an earlier run. */
  markProcessed(consumer: string, eventId: string): Promise<boolean>;
}

/**
 * Where the portfolio keeps accounts, cash and positions: in memory (default,
 * tests, no DATABASE_URL) or in PostgreSQL. Both pass one contract suite
 * (testing/portfolio-repository-contract.ts). Positions are stored as the
 * arithmetic in ledger.ts computes them; unrealized P&L is not stored.
 */
export interface PortfolioRepository {
  /**
   * Creates the accounts that do not exist yet, each with its starting cash in
   * its base currency. An existing account is left exactly as it is (owner,
   * venue and balances included), so a restart never resets cash. Returns the
   * ids it created.
   */
  seed(accounts: readonly AccountSeed[]): Promise<string[]>;
  transaction<T>(work: (tx: PortfolioTransaction) => Promise<T>): Promise<T>;
  /** In the order they were created; balances base currency first. */
  listAccounts(ids?: readonly string[]): Promise<Account[]>;
  accountsOf(owner: string): Promise<string[]>;
  /** In the order they were opened. */
  listPositions(accounts?: readonly string[]): Promise<PositionState[]>;
  /**
   * Every account and every position as of one moment (PostgreSQL: one
   * REPEATABLE READ transaction), so cash and positions agree: no fill is in
   * one and not the other. The read model loads its memory from it.
   */
  snapshot(): Promise<BooksSnapshot>;
  /**
   * Ids of the events `consumer` processed at or after `sinceNs` (wall clock,
   * ns), oldest first, at most `limit`; `complete` is false when there were
   * more. Risk reads the fills the portfolio applied, so a fill redelivered to
   * it after a restart is not booked on top of the positions it seeded from.
   */
  processedSince(consumer: string, sinceNs: string, limit: number): Promise<{ ids: string[]; complete: boolean }>;
  /** Sets the account's trading mode; returns the mode it had, or null when the account does not exist. */
  setMode(account: string, mode: AccountMode): Promise<AccountMode | null>;
  /** Appends snapshots (an account's history is never rewritten). */
  saveEquity(snapshots: readonly EquitySnapshot[]): Promise<void>;
  /** Oldest first, at `ts` >= `since` when given; the newest `limit` (default 1000) of them. */
  listEquity(query: EquityQuery): Promise<EquitySnapshot[]>;
}

export interface BooksSnapshot {
  accounts: Account[];
  positions: PositionState[];
}

export interface EquityQuery {
  accounts?: readonly string[];
  /** Nanosecond digit string. */
  since?: string;
  limit?: number;
}
