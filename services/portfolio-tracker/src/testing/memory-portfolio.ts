import type { Fill, Position } from "@jts/contracts";
import type { AccountSeed } from "../ledger.ts";
import { MemoryPortfolioRepository } from "../memory-repository.ts";
import { Portfolio } from "../portfolio.ts";

/**
 * The service's books in memory, seeded: what a test that books fills by hand
 * uses (the same Portfolio and repository the service runs, no copy of them).
 */
export async function memoryPortfolio(seeds: readonly AccountSeed[]): Promise<Portfolio> {
  const portfolio = new Portfolio(new MemoryPortfolioRepository());
  await portfolio.open(seeds);
  return portfolio;
}

/** Books `fill` and returns the position it changed; throws when it was not applied (a duplicate, an unknown account). */
export async function appliedPosition(portfolio: Portfolio, fill: Fill): Promise<Position> {
  const outcome = await portfolio.applyFill(fill);
  if (outcome.status !== "applied") throw new Error(`fill ${fill.id} was ${outcome.status}`);
  return outcome.position;
}
