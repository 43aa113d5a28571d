export { DEFAULT_SLIPPAGE, type SlippageModel, walkBook } from "./book.ts";
export {
  type EngineResult,
  MatchingEngine,
  type MatchingEngineOptions,
  type PersistedOrder,
  type PersistedVenue,
} from "./engine.ts";
export { DEFAULT_FEES, type FeeRates, feeFor, feeRates, krxMarketOf } from "./fees.ts";
export {
  KRX_MARKETS,
  KRX_TAX_RATES,
  type KrxMarket,
  type KrxTaxRate,
  krxSellTax,
  krxSettlementDate,
  krxTaxRate,
  krxTaxRatesConfig,
  parseKrxTaxRates,
} from "./krx-tax.ts";
export { Ledger as PaperLedger } from "./ledger.ts";
export { cacheOrderStore, documentOrderStore, type PaperOrderStore } from "./order-store.ts";
export { type App, createPaperService, PAPER_BROKER, PaperFaults, type PaperServiceOptions } from "./service.ts";
