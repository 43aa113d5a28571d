export { type AccountSeed, Ledger } from "./ledger.ts";
export { type App, createPortfolioService, type PortfolioOptions } from "./service.ts";
