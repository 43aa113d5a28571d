import { int, loadConfig, runStandalone, str } from "@jts/kit";
import { createPortfolioService } from "./service.ts";

const config = loadConfig({
  PORTFOLIO_PORT: int(3005, { min: 0, max: 65535 }),
  JTS_ADMIN_USER: str("admin"),
  JTS_PAPER_CASH: str("100000000"),
});

await runStandalone("portfolio-tracker", config.PORTFOLIO_PORT, (runtime) =>
  createPortfolioService(runtime, {
    accounts: [
      {
        id: "paper-main",
        owner: config.JTS_ADMIN_USER,
        venue: "sim",
        baseCurrency: "KRW",
        startingCash: config.JTS_PAPER_CASH,
      },
    ],
  }),
);
