import {
  InstrumentCatalog,
  int,
  krxHolidaysOf,
  loadConfig,
  runStandalone,
  sessionConfigSpec,
  sessionEndFor,
  sessionsFor,
} from "@jts/kit";
import { krxTaxRatesConfig } from "./krx-tax.ts";
import { createPaperService } from "./service.ts";

const config = loadConfig({
  PAPER_PORT: int(3010, { min: 0, max: 65535 }),
  // The sessions risk trades by: DAY orders end at their instrument's close (15:30 KST for KRX stocks).
  ...sessionConfigSpec,
  // Rows added to the KRX sell tax table (krx-tax.ts): MARKET:YYYY-MM-DD:STT[+RURAL],...
  KRX_SELL_TAX_RATES: krxTaxRatesConfig,
});
const catalog = new InstrumentCatalog();
const sessionEnd = sessionEndFor(catalog, sessionsFor(config));

await runStandalone("broker-paper", config.PAPER_PORT, (runtime) =>
  createPaperService(runtime, {
    catalog,
    sessionEnd,
    krxTaxRates: config.KRX_SELL_TAX_RATES,
    // A sell's KRX tax is the rate of its T+2 settlement date, which skips the exchange's holidays.
    krxHolidays: krxHolidaysOf(config),
  }),
);
