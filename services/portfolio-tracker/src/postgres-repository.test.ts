import { afterAll, beforeAll } from "bun:test";
import { connectPostgres, type Sql, startTestPostgres, type TestPostgres, truncateAll } from "@jts/kit/postgres";
import { PostgresPortfolioRepository } from "./postgres-repository.ts";
import { portfolioRepositoryContract } from "./testing/portfolio-repository-contract.ts";

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startTestPostgres();
});
afterAll(async () => {
  await pg.stop();
});

portfolioRepositoryContract("postgres", async () => {
  await truncateAll(pg.sql);
  const pools: Sql[] = [];
  return {
    repository: new PostgresPortfolioRepository(pg.sql),
    // Its own pool, as another process would have.
    reopen: () => {
      const sql = connectPostgres(pg.url, { max: 4 });
      pools.push(sql);
      return new PostgresPortfolioRepository(sql);
    },
    close: async () => {
      await Promise.all(pools.map((p) => p.end({ timeout: 1 })));
    },
  };
});
