import { type Account, type AccountMode, type Balance, type EquitySnapshot, fx } from "@jts/contracts";
import { commitAsynchronously, markProcessed, type Queryable, type Sql } from "@jts/kit/postgres";
import type { AccountSeed, PositionState } from "./ledger.ts";
import type { BooksSnapshot, EquityQuery, PortfolioRepository, PortfolioTransaction } from "./repository.ts";

interface AccountRow {
  id: string;
  owner: string;
  venue: Account["venue"];
  kind: Account["kind"];
  base_currency: string;
  mode: AccountMode;
}
interface BalanceRow {
  account: string;
  currency: string;
  total: string;
  free: string;
  locked: string;
}
interface PositionRow {
  account: string;
  symbol: string;
  venue: PositionState["venue"];
  currency: string;
  quantity: string;
  average_price: string;
  realized_pnl: string;
  last_price: string | null;
  updated_at: string;
}

/**
 * Accounts, cash and positions in PostgreSQL (migrations 001, 002, 006). Money
 * is NUMERIC(38,9), converted to and from ledger.ts's bigints exactly. A fill
 * is one transaction: the account row lock, the processed-event mark, the
 * position and the cash, so a redelivery after a crash changes nothing and two
 * processes consuming the same fill apply it once.
 */
export class PostgresPortfolioRepository implements PortfolioRepository {
  constructor(private readonly sql: Sql) {}

  seed(seeds: readonly AccountSeed[]): Promise<string[]> {
    return this.sql.begin(async (tx) => {
      const created: string[] = [];
      for (const seed of seeds) {
        // ON CONFLICT: a concurrent starter seeding the same account waits, then inserts nothing.
        const inserted = await tx`
          INSERT INTO accounts (id, owner, venue, kind, base_currency)
          VALUES (${seed.id}, ${seed.owner}, ${seed.venue}, 'CASH', ${seed.baseCurrency})
          ON CONFLICT (id) DO NOTHING
          RETURNING id`;
        if (inserted.length === 0) continue;
        await tx`
          INSERT INTO balances (account, currency, total)
          VALUES (${seed.id}, ${seed.baseCurrency}, ${numeric(fx.toFixed(seed.startingCash))})`;
        created.push(seed.id);
      }
      return created;
    }) as Promise<string[]>;
  }

  transaction<T>(work: (tx: PortfolioTransaction) => Promise<T>): Promise<T> {
    return this.sql.begin(async (sqlTx) => {
      const tx: PortfolioTransaction = {
        lockAccount: async (id) => {
          // NO KEY UPDATE: serializes the writers of one account without blocking
          // the foreign-key checks (KEY SHARE) of inserts that reference it.
          const rows = await sqlTx`SELECT 1 FROM accounts WHERE id = ${id} FOR NO KEY UPDATE`;
          return rows.length === 1;
        },
        position: async (account, symbol) => {
          const [row] = await sqlTx<PositionRow[]>`
            SELECT ${sqlTx(POSITION_COLUMNS)} FROM positions WHERE account = ${account} AND symbol = ${symbol}`;
          return row && toState(row);
        },
        savePosition: async (p) => {
          await sqlTx`
            INSERT INTO positions
              (account, symbol, venue, currency, quantity, average_price, realized_pnl, last_price, updated_at)
            VALUES (${p.account}, ${p.symbol}, ${p.venue}, ${p.currency}, ${numeric(p.quantity)},
                    ${numeric(p.averagePrice)}, ${numeric(p.realized)},
                    ${p.lastPrice === null ? null : numeric(p.lastPrice)}, ${p.updatedAt})
            ON CONFLICT (account, symbol) DO UPDATE SET
              quantity = EXCLUDED.quantity,
              average_price = EXCLUDED.average_price,
              realized_pnl = EXCLUDED.realized_pnl,
              last_price = EXCLUDED.last_price,
              updated_at = EXCLUDED.updated_at`;
        },
        addCash: async (account, currency, delta) => {
          await sqlTx`
            INSERT INTO balances (account, currency, total) VALUES (${account}, ${currency}, ${numeric(delta)})
            ON CONFLICT (account, currency) DO UPDATE SET
              total = balances.total + EXCLUDED.total,
              updated_at = jts_now_ns()`;
        },
        markProcessed: (consumer, eventId) => markProcessed(sqlTx, consumer, eventId),
      };
      return work(tx);
    }) as Promise<T>;
  }

  listAccounts(ids?: readonly string[]): Promise<Account[]> {
    return listAccounts(this.sql, ids);
  }

  async accountsOf(owner: string): Promise<string[]> {
    const rows = await this.sql<
      { id: string }[]
    >`SELECT id FROM accounts WHERE owner = ${owner} ORDER BY created_at, id`;
    return rows.map((r) => r.id);
  }

  listPositions(accounts?: readonly string[]): Promise<PositionState[]> {
    return listPositions(this.sql, accounts);
  }

  snapshot(): Promise<BooksSnapshot> {
    // One snapshot for both tables: cash and positions from the same moment (two queries would straddle a fill).
    return this.sql.begin("ISOLATION LEVEL REPEATABLE READ READ ONLY", async (tx) => ({
      accounts: await listAccounts(tx),
      positions: await listPositions(tx),
    })) as Promise<BooksSnapshot>;
  }

  async processedSince(
    consumer: string,
    sinceNs: string,
    limit: number,
  ): Promise<{ ids: string[]; complete: boolean }> {
    const rows = await this.sql<{ event_id: string }[]>`
      SELECT event_id FROM processed_events
      WHERE consumer = ${consumer} AND processed_at >= ${sinceNs}
      ORDER BY processed_at, event_id LIMIT ${limit + 1}`;
    return { ids: rows.slice(0, limit).map((r) => r.event_id), complete: rows.length <= limit };
  }

  async setMode(account: string, mode: AccountMode): Promise<AccountMode | null> {
    // The old value in the same statement: the row lock orders two concurrent changes.
    const [row] = await this.sql<{ previous: AccountMode }[]>`
      UPDATE accounts a SET mode = ${mode}
      FROM (SELECT id, mode FROM accounts WHERE id = ${account} FOR UPDATE) old
      WHERE a.id = old.id
      RETURNING old.mode AS previous`;
    return row?.previous ?? null;
  }

  async saveEquity(snapshots: readonly EquitySnapshot[]): Promise<void> {
    if (snapshots.length === 0) return;
    const rows = snapshots.map((s) => ({ account: s.account, currency: s.currency, equity: s.equity, ts: s.ts }));
    // A snapshot lost in a crash of PostgreSQL or the machine is a missing point of the equity
    // chart, taken again after the next fill or timer tick: it need not wait for the WAL flush
    // that the fills' own commits (positions, balances: synchronous) queue behind.
    await this.sql.begin((tx) => [
      commitAsynchronously(tx),
      tx`INSERT INTO equity_snapshots ${tx(rows, "account", "currency", "equity", "ts")}`,
    ]);
  }

  async listEquity({ accounts, since, limit = 1000 }: EquityQuery): Promise<EquitySnapshot[]> {
    const sql = this.sql;
    const rows = await sql<{ account: string; currency: string; equity: string; ts: string }[]>`
      SELECT * FROM (
        SELECT account, currency, equity, ts::text AS ts, seq FROM equity_snapshots
        WHERE ${accounts ? sql`account = ANY(${accounts as string[]}::text[])` : sql`true`}
          AND ${since === undefined ? sql`true` : sql`ts >= ${since}`}
        ORDER BY ts DESC, seq DESC LIMIT ${limit}
      ) newest ORDER BY ts, seq`;
    return rows.map((r) => ({ account: r.account, currency: r.currency, equity: decimal(r.equity), ts: r.ts }));
  }
}

const POSITION_COLUMNS = [
  "account",
  "symbol",
  "venue",
  "currency",
  "quantity",
  "average_price",
  "realized_pnl",
  "last_price",
  "updated_at",
] as const;

async function listAccounts(sql: Queryable, ids?: readonly string[]): Promise<Account[]> {
  const accounts = await sql<AccountRow[]>`
    SELECT id, owner, venue, kind, base_currency, mode FROM accounts
    ${ids ? sql`WHERE id = ANY(${ids as string[]}::text[])` : sql``}
    ORDER BY created_at, id`;
  if (accounts.length === 0) return [];
  const balances = await balancesOf(
    sql,
    accounts.map((a) => a.id),
  );
  return accounts.map((a) => ({
    id: a.id,
    owner: a.owner,
    venue: a.venue,
    kind: a.kind,
    baseCurrency: a.base_currency,
    mode: a.mode,
    balances: balances.get(a.id) ?? [],
  }));
}

async function listPositions(sql: Queryable, accounts?: readonly string[]): Promise<PositionState[]> {
  const rows = await sql<PositionRow[]>`
    SELECT ${sql(POSITION_COLUMNS)} FROM positions
    ${accounts ? sql`WHERE account = ANY(${accounts as string[]}::text[])` : sql``}
    ORDER BY seq`;
  return rows.map(toState);
}

async function balancesOf(sql: Queryable, accounts: string[]): Promise<Map<string, Balance[]>> {
  const rows = await sql<BalanceRow[]>`
    SELECT b.account, b.currency, b.total, b.free, b.locked FROM balances b
    JOIN accounts a ON a.id = b.account
    WHERE b.account = ANY(${accounts}::text[])
    ORDER BY b.account, b.currency = a.base_currency DESC, b.currency COLLATE "C"`;
  const byAccount = new Map<string, Balance[]>();
  for (const r of rows) {
    const list = byAccount.get(r.account) ?? [];
    list.push({
      account: r.account,
      currency: r.currency,
      total: decimal(r.total),
      free: decimal(r.free),
      locked: decimal(r.locked),
    });
    byAccount.set(r.account, list);
  }
  return byAccount;
}

/** Bigint fixed-point to the decimal string NUMERIC takes, exactly. */
const numeric = (value: bigint) => fx.fromFixed(value);
/** NUMERIC(38,9) reads back as "10.000000000"; the contracts write "10". */
const decimal = (value: string) => fx.fromFixed(fx.toFixed(value));

function toState(r: PositionRow): PositionState {
  return {
    account: r.account,
    symbol: r.symbol,
    venue: r.venue,
    currency: r.currency,
    quantity: fx.toFixed(r.quantity),
    averagePrice: fx.toFixed(r.average_price),
    realized: fx.toFixed(r.realized_pnl),
    lastPrice: r.last_price === null ? null : fx.toFixed(r.last_price),
    updatedAt: r.updated_at,
  };
}
