import type { Account, AccountMode, EquitySnapshot, Fixed } from "@jts/contracts";
import { fx, nowNsString } from "@jts/contracts";
import { type AccountSeed, cashBalance, type PositionState, positionKey, sortBalances } from "./ledger.ts";
import type { BooksSnapshot, EquityQuery, PortfolioRepository, PortfolioTransaction } from "./repository.ts";

const cashKey = (account: string, currency: string) => `${account}|${currency}`;

/**
 * The books in memory. Transactions run one at a time (the in-process stand-in
 * for the account lock), stage their writes and apply them only when the work
 * succeeds, so one that throws leaves nothing behind. Nothing survives a restart.
 */
export class MemoryPortfolioRepository implements PortfolioRepository {
  private readonly accounts = new Map<string, AccountSeed>();
  /** Insertion order per account is kept by the Map; balances are sorted when read. */
  private readonly cash = new Map<string, { account: string; currency: string; total: Fixed }>();
  private readonly positions = new Map<string, PositionState>();
  /** consumer|event id -> when it was processed (ns), in processing order. */
  private readonly processed = new Map<string, string>();
  private readonly modes = new Map<string, AccountMode>();
  private readonly equity: EquitySnapshot[] = [];
  private tail: Promise<unknown> = Promise.resolve();

  async processedSince(
    consumer: string,
    sinceNs: string,
    limit: number,
  ): Promise<{ ids: string[]; complete: boolean }> {
    const prefix = `${consumer}|`;
    const since = BigInt(sinceNs);
    const ids: string[] = [];
    for (const [key, at] of this.processed) {
      if (!key.startsWith(prefix) || BigInt(at) < since) continue;
      if (ids.length === limit) return { ids, complete: false };
      ids.push(key.slice(prefix.length));
    }
    return { ids, complete: true };
  }

  seed(seeds: readonly AccountSeed[]): Promise<string[]> {
    return this.serialized(async () => {
      const created: string[] = [];
      for (const seed of seeds) {
        if (this.accounts.has(seed.id)) continue;
        this.accounts.set(seed.id, { ...seed });
        this.cash.set(cashKey(seed.id, seed.baseCurrency), {
          account: seed.id,
          currency: seed.baseCurrency,
          total: fx.toFixed(seed.startingCash),
        });
        created.push(seed.id);
      }
      return created;
    });
  }

  transaction<T>(work: (tx: PortfolioTransaction) => Promise<T>): Promise<T> {
    return this.serialized(() => this.run(work));
  }

  async listAccounts(ids?: readonly string[]): Promise<Account[]> {
    return [...this.accounts.values()]
      .filter((a) => !ids || ids.includes(a.id))
      .map((seed) => ({
        id: seed.id,
        owner: seed.owner,
        venue: seed.venue,
        kind: "CASH",
        baseCurrency: seed.baseCurrency,
        mode: this.modes.get(seed.id) ?? "PAPER",
        balances: sortBalances(
          seed.baseCurrency,
          [...this.cash.values()]
            .filter((c) => c.account === seed.id)
            .map((c) => cashBalance(c.account, c.currency, c.total)),
        ),
      }));
  }

  async accountsOf(owner: string): Promise<string[]> {
    return [...this.accounts.values()].filter((a) => a.owner === owner).map((a) => a.id);
  }

  async listPositions(accounts?: readonly string[]): Promise<PositionState[]> {
    return [...this.positions.values()].filter((p) => !accounts || accounts.includes(p.account)).map((p) => ({ ...p }));
  }

  /** Both read in one turn of the event loop, between two transactions: one moment. */
  async snapshot(): Promise<BooksSnapshot> {
    const [accounts, positions] = [this.listAccounts(), this.listPositions()];
    return { accounts: await accounts, positions: await positions };
  }

  async setMode(account: string, mode: AccountMode): Promise<AccountMode | null> {
    if (!this.accounts.has(account)) return null;
    const previous = this.modes.get(account) ?? "PAPER";
    this.modes.set(account, mode);
    return previous;
  }

  async saveEquity(snapshots: readonly EquitySnapshot[]): Promise<void> {
    for (const s of snapshots) {
      if (!this.accounts.has(s.account)) throw new Error(`account ${s.account} does not exist`);
    }
    this.equity.push(...snapshots.map((s) => ({ ...s, equity: fx.fromFixed(fx.toFixed(s.equity)) })));
  }

  async listEquity({ accounts, since, limit = 1000 }: EquityQuery): Promise<EquitySnapshot[]> {
    const from = since === undefined ? undefined : BigInt(since);
    const matching = this.equity.filter(
      (s) => (!accounts || accounts.includes(s.account)) && (from === undefined || BigInt(s.ts) >= from),
    );
    // Stable by ts: snapshots saved together or with equal stamps keep the order they were saved in.
    const sorted = matching
      .map((s, i) => ({ s, i }))
      .sort((a, b) => (BigInt(a.s.ts) < BigInt(b.s.ts) ? -1 : BigInt(a.s.ts) > BigInt(b.s.ts) ? 1 : a.i - b.i));
    return sorted.slice(-limit).map(({ s }) => ({ ...s }));
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async run<T>(work: (tx: PortfolioTransaction) => Promise<T>): Promise<T> {
    const positions = new Map<string, PositionState>();
    const cash = new Map<string, { account: string; currency: string; delta: Fixed }>();
    const processed = new Set<string>();
    const tx: PortfolioTransaction = {
      lockAccount: async (id) => this.accounts.has(id),
      position: async (account, symbol) => {
        const key = positionKey(account, symbol);
        const p = positions.get(key) ?? this.positions.get(key);
        return p && { ...p };
      },
      savePosition: async (p) => {
        const key = positionKey(p.account, p.symbol);
        if (!this.accounts.has(p.account)) throw new Error(`account ${p.account} does not exist`);
        const first = positions.get(key) ?? this.positions.get(key);
        positions.set(key, { ...p, venue: first?.venue ?? p.venue, currency: first?.currency ?? p.currency });
      },
      addCash: async (account, currency, delta) => {
        if (!this.accounts.has(account)) throw new Error(`account ${account} does not exist`);
        const key = cashKey(account, currency);
        cash.set(key, { account, currency, delta: (cash.get(key)?.delta ?? 0n) + delta });
      },
      markProcessed: async (consumer, eventId) => {
        const key = `${consumer}|${eventId}`;
        if (this.processed.has(key) || processed.has(key)) return false;
        processed.add(key);
        return true;
      },
    };
    const result = await work(tx);
    for (const [key, p] of positions) {
      // Re-inserting keeps a position's place: Map order is when it was opened.
      this.positions.set(key, p);
    }
    for (const [key, { account, currency, delta }] of cash) {
      this.cash.set(key, { account, currency, total: (this.cash.get(key)?.total ?? 0n) + delta });
    }
    const at = nowNsString();
    for (const key of processed) this.processed.set(key, at);
    return result;
  }
}
