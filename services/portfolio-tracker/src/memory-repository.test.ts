import { MemoryPortfolioRepository } from "./memory-repository.ts";
import { portfolioRepositoryContract } from "./testing/portfolio-repository-contract.ts";

portfolioRepositoryContract("memory", async () => {
  // Memory books live in one object: "reopening" them is holding the same one.
  const repository = new MemoryPortfolioRepository();
  return { repository, reopen: () => repository, close: async () => {} };
});
