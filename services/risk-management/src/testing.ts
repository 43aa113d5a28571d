import { type Account, type Position, Subjects } from "@jts/contracts";
import type { Runtime } from "@jts/kit";

/** A margin account as the portfolio lists it: known, so risk takes its orders, with no cash check. */
export const marginAccount = (id: string, overrides: Partial<Account> = {}): Account => ({
  id,
  owner: "alice",
  venue: "sim",
  kind: "MARGIN",
  baseCurrency: "KRW",
  mode: "PAPER",
  balances: [],
  ...overrides,
});

/**
 * Test-only: answers the portfolio's rpc as risk reads it at start. Risk
 * refuses every order until the portfolio has answered (balances unknown), so
 * a service test that trades serves it first.
 */
export async function servePortfolio(
  runtime: Runtime,
  accounts: Account[] = [marginAccount("acc"), marginAccount("other")],
  positions: () => Position[] = () => [],
): Promise<void> {
  await runtime.rpc.serve(Subjects.accounts, () => accounts);
  await runtime.rpc.serve(Subjects.positions, positions);
}
