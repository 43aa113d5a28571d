export { appliedPosition, memoryPortfolio } from "./memory-portfolio.ts";
export { type PortfolioHarness, portfolioRepositoryContract } from "./portfolio-repository-contract.ts";
