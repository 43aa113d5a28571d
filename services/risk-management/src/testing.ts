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

/** A CASH account holding `total` KRW, all of it free: risk checks its orders against that cash. */
export const cashAccount = (id: string, total: string, overrides: Partial<Account> = {}): Account =>
  marginAccount(id, {
    kind: "CASH",
    balances: [{ account: id, currency: "KRW", total, free: total, locked: "0" }],
    ...overrides,
  });

/**
 * Test-only: answers the portfolio's rpc as risk reads it at start, and the
 * OMS's order list (no working orders). Risk refuses every order until both
 * have answered (balances and working orders unknown), so a service test that
 * trades serves them first.
 */
export async function servePortfolio(
  runtime: Runtime,
  accounts: Account[] = [marginAccount("acc"), marginAccount("other")],
  positions: () => Position[] = () => [],
): Promise<void> {
  await runtime.rpc.serve(Subjects.accounts, () => accounts);
  await runtime.rpc.serve(Subjects.positions, positions);
  await serveAppliedFills(runtime);
  await serveNoWorkingOrders(runtime);
}

/** Test-only: the portfolio's ids of the fills it applied (none by default), which a restarted risk skips when redelivered. */
export async function serveAppliedFills(runtime: Runtime, fillIds: () => string[] = () => []): Promise<void> {
  await runtime.rpc.serve(Subjects.appliedFills, () => ({ fillIds: fillIds(), complete: true }));
}

/** Test-only: an OMS with no working orders, answering risk's start-up `order.list`. */
export async function serveNoWorkingOrders(runtime: Runtime): Promise<void> {
  await runtime.rpc.serve(Subjects.orderList, () => []);
}
