export {
  type AccountSeed,
  applyFillToPosition,
  cashDeltas,
  type PositionState,
  toPosition,
} from "./ledger.ts";
export { MemoryPortfolioRepository } from "./memory-repository.ts";
export { FILL_CONSUMER, type FillOutcome, Portfolio } from "./portfolio.ts";
export { postgresPortfolioStorage } from "./postgres.ts";
export { PostgresPortfolioRepository } from "./postgres-repository.ts";
export { CachedPortfolioRepository } from "./read-model.ts";
export type { PortfolioRepository, PortfolioTransaction } from "./repository.ts";
export { parseAccountSeeds } from "./seeds.ts";
export { type App, createPortfolioService, type PortfolioOptions } from "./service.ts";
