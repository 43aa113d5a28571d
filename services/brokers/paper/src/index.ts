export { DEFAULT_SLIPPAGE, type SlippageModel, walkBook } from "./book.ts";
export { type EngineResult, MatchingEngine, type MatchingEngineOptions } from "./engine.ts";
export { DEFAULT_FEES, type FeeRates, feeFor, feeRates, KRX_SELL_TAX } from "./fees.ts";
export { Ledger as PaperLedger } from "./ledger.ts";
export { type App, createPaperService, PAPER_BROKER, type PaperServiceOptions } from "./service.ts";
