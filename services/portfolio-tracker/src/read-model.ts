import type { Account, AccountMode, Position } from "@jts/contracts";
import { type AccountSeed, type PositionState, positionKey, toPosition } from "./ledger.ts";
import type { BooksSnapshot, EquityQuery, PortfolioRepository, PortfolioTransaction } from "./repository.ts";

/** How long memory may answer without reading the stored books again, unless told otherwise. */
export const DEFAULT_READ_MODEL_MAX_AGE_MS = 5000;

export interface ReadModelOptions {
  /**
   * Memory older than this (since the load it came from began) is loaded again at the next read
   * (DEFAULT_READ_MODEL_MAX_AGE_MS); 0 never expires it. A backstop for an event that never came.
   */
  maxAgeMs?: number;
  /** Milliseconds; tests move it. */
  now?: () => number;
}

interface Books {
  /** In the order the accounts were created. */
  accounts: Map<string, Account>;
  /** In the order the positions were opened. */
  positions: Map<string, PositionState>;
}

/**
 * The books in memory in front of the repository that stores them, so reads
 * (the PWA polls positions and accounts; the gateway asks for a user's
 * accounts on every scoped request) never wait for the database.
 *
 * - Write-through: every write goes to the stored repository first and, once
 *   committed, into memory (a fill's position as the transaction saved it, its
 *   account's cash as the database now holds it). A read that arrives while a
 *   write is under way waits for it, so a read never misses a write whose
 *   processed mark is already stored (risk compares the two at its start).
 * - Restart: memory starts empty and is loaded from the stored books at the
 *   first read.
 * - Other processes on the same books (replicas): `invalidate` drops memory;
 *   the next read loads the stored books again. The service calls it when a
 *   `portfolio.position` or `portfolio.account-mode` event shows a state this
 *   memory does not hold (`differsFrom`), and for every such event that
 *   arrives while a load is under way: that load may have read the books
 *   before the change the event announces, so it is not kept (generation).
 *   Until that event arrives (the bus's delivery time) a replica answers the
 *   state it last knew; callers that decide money (risk, the OMS's routing and
 *   protective stops) read `stored` instead (`consistent`).
 * - Backstop: the event is published after the commit, not through an
 *   outbox, so one can be lost. Memory older than `maxAgeMs` (5 s) is loaded
 *   again at the next read, always: a process cannot know whether another
 *   replica runs, and one load of two tables every 5 s of reads costs little.
 * - A load reads accounts and positions in one snapshot of the stored books
 *   (`snapshot`), so cash and positions are from one moment.
 * - An account id or owner memory does not know is asked of the stored books
 *   (another process may have created it); when they know it, memory is
 *   dropped so the next read has it too.
 * - A write whose outcome is unknown (it threw), a fill found already marked
 *   processed (another process applied it) and a lock on an account memory
 *   may not know also drop memory.
 * Reads return copies, as the stored repositories do.
 */
export class CachedPortfolioRepository implements PortfolioRepository {
  private books: Books = { accounts: new Map(), positions: new Map() };
  private fresh = false;
  /** When the load that memory came from began (ms, `now`). */
  private loadedAt = 0;
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  /** Moves on with every local write and invalidation: a load begun before it is not kept. */
  private generation = 0;
  private loading: { generation: number; books: Promise<Books> } | null = null;
  private readonly writes = new Set<Promise<unknown>>();

  constructor(
    readonly stored: PortfolioRepository,
    options: ReadModelOptions = {},
  ) {
    this.maxAgeMs = options.maxAgeMs ?? DEFAULT_READ_MODEL_MAX_AGE_MS;
    this.now = options.now ?? Date.now;
  }

  /** Forgets the books in memory; the next read loads them from the stored repository. */
  invalidate(): void {
    this.fresh = false;
    this.generation++;
  }

  /**
   * True when `position` (an event from any process) disagrees with memory on
   * what fills change (quantity, average, realized P&L) or names a position
   * memory does not hold: another process applied a fill. Marks (last price,
   * unrealized P&L) move with ticks in every process and are not compared.
   * True for any event while a load is under way (`loadOvertaken`).
   */
  differsFrom(position: Position): boolean {
    if (!this.fresh) return this.loadOvertaken();
    const known = this.books.positions.get(positionKey(position.account, position.symbol));
    if (!known) return true;
    const mine = toPosition(known);
    return (
      mine.quantity !== position.quantity ||
      mine.averagePrice !== position.averagePrice ||
      mine.realizedPnl !== position.realizedPnl
    );
  }

  /**
   * True when memory holds another mode for the account (or not the account): another process armed or disarmed it.
   * True for any event while a load is under way (`loadOvertaken`).
   */
  modeDiffers(account: string, mode: AccountMode): boolean {
    if (!this.fresh) return this.loadOvertaken();
    return this.books.accounts.get(account)?.mode !== mode;
  }

  /**
   * A load under way may have read the stored books before the change an event now announces; compared
   * with the books before it, the event could even look like news already known. Dropped, not compared.
   */
  private loadOvertaken(): boolean {
    return this.loading !== null;
  }

  seed(seeds: readonly AccountSeed[]): Promise<string[]> {
    // Seeding creates accounts with balances the stored repository decides on: load them afresh.
    return this.write(
      () => this.stored.seed(seeds),
      () => this.invalidate(),
    );
  }

  transaction<T>(work: (tx: PortfolioTransaction) => Promise<T>): Promise<T> {
    return this.write(async () => {
      const saved = new Map<string, PositionState>();
      const cashMoved = new Set<string>();
      // A fill another process applied (already marked) or an account memory may not know yet: reload.
      let elsewhere = false;
      const result = await this.stored.transaction((tx) =>
        work({
          lockAccount: async (id) => {
            const exists = await tx.lockAccount(id);
            if (!exists) elsewhere = true;
            return exists;
          },
          position: (account, symbol) => tx.position(account, symbol),
          savePosition: async (p) => {
            await tx.savePosition(p);
            saved.set(positionKey(p.account, p.symbol), { ...p });
          },
          addCash: async (account, currency, delta) => {
            await tx.addCash(account, currency, delta);
            cashMoved.add(account);
          },
          markProcessed: async (consumer, eventId) => {
            const first = await tx.markProcessed(consumer, eventId);
            if (!first) elsewhere = true;
            return first;
          },
        }),
      );
      if (elsewhere) this.invalidate();
      // Committed. Cash as the database summed it, read once per write, not per read.
      const accounts = cashMoved.size > 0 ? await this.stored.listAccounts([...cashMoved]) : [];
      this.generation++;
      for (const [key, p] of saved) {
        const first = this.books.positions.get(key);
        // The stored repositories keep the venue and currency a position was opened with.
        this.books.positions.set(key, {
          ...p,
          venue: first?.venue ?? p.venue,
          currency: first?.currency ?? p.currency,
        });
      }
      for (const account of accounts) this.books.accounts.set(account.id, account);
      return result;
    });
  }

  setMode(account: string, mode: AccountMode): Promise<AccountMode | null> {
    return this.write(async () => {
      const previous = await this.stored.setMode(account, mode);
      this.generation++;
      const known = this.books.accounts.get(account);
      if (previous !== null && known) this.books.accounts.set(account, { ...known, mode });
      return previous;
    });
  }

  async listAccounts(ids?: readonly string[]): Promise<Account[]> {
    const books = await this.read();
    // An id memory does not know may be an account another process created since: ask the stored books.
    if (ids?.some((id) => !books.accounts.has(id))) {
      const accounts = await this.stored.listAccounts(ids);
      if (accounts.some((a) => !books.accounts.has(a.id))) this.invalidate();
      return accounts;
    }
    const wanted = ids && new Set(ids);
    return [...books.accounts.values()].filter((a) => !wanted || wanted.has(a.id)).map(copyAccount);
  }

  async accountsOf(owner: string): Promise<string[]> {
    const books = await this.read();
    const known = [...books.accounts.values()].filter((a) => a.owner === owner).map((a) => a.id);
    if (known.length > 0) return known;
    // No account of this owner in memory: another process may have created one since.
    const stored = await this.stored.accountsOf(owner);
    if (stored.some((id) => !books.accounts.has(id))) this.invalidate();
    return stored;
  }

  async listPositions(accounts?: readonly string[]): Promise<PositionState[]> {
    const wanted = accounts && new Set(accounts);
    return [...(await this.read()).positions.values()]
      .filter((p) => !wanted || wanted.has(p.account))
      .map((p) => ({ ...p }));
  }

  async snapshot(): Promise<BooksSnapshot> {
    const books = await this.read();
    return {
      accounts: [...books.accounts.values()].map(copyAccount),
      positions: [...books.positions.values()].map((p) => ({ ...p })),
    };
  }

  // Equity history and processed marks are queries over time, not state: always the stored ones.
  processedSince(consumer: string, sinceNs: string, limit: number) {
    return this.stored.processedSince(consumer, sinceNs, limit);
  }
  saveEquity(snapshots: Parameters<PortfolioRepository["saveEquity"]>[0]) {
    return this.stored.saveEquity(snapshots);
  }
  listEquity(query: EquityQuery) {
    return this.stored.listEquity(query);
  }

  /** Runs a write, counted as under way until memory holds its outcome; an error leaves memory unknown. */
  private write<T>(work: () => Promise<T>, after?: () => void): Promise<T> {
    const running = work().then(
      (result) => {
        after?.();
        return result;
      },
      (error: unknown) => {
        this.invalidate();
        throw error;
      },
    );
    const tracked = running.then(
      () => {},
      () => {},
    );
    this.writes.add(tracked);
    void tracked.finally(() => this.writes.delete(tracked));
    return running;
  }

  /** The books once every write under way is in memory; loaded from the stored repository when memory is not fresh. */
  private async read(): Promise<Books> {
    if (this.writes.size > 0) await Promise.all(this.writes);
    if (this.fresh && this.maxAgeMs > 0 && this.now() - this.loadedAt >= this.maxAgeMs) this.fresh = false;
    if (this.fresh) return this.books;
    if (this.loading?.generation !== this.generation) {
      const generation = this.generation;
      const books = this.load(generation);
      this.loading = { generation, books };
      const done = () => {
        if (this.loading?.books === books) this.loading = null;
      };
      void books.then(done, done);
    }
    return this.loading.books;
  }

  private async load(generation: number): Promise<Books> {
    const startedAt = this.now();
    const { accounts, positions } = await this.stored.snapshot();
    const books: Books = {
      accounts: new Map(accounts.map((a) => [a.id, a])),
      positions: new Map(positions.map((p) => [positionKey(p.account, p.symbol), p])),
    };
    // A write or an invalidation since the load began may not be in what it read: keep memory unknown then.
    if (generation === this.generation) {
      this.books = books;
      this.fresh = true;
      this.loadedAt = startedAt;
    }
    return books;
  }
}

function copyAccount(account: Account): Account {
  return { ...account, balances: account.balances.map((b) => ({ ...b })) };
}
