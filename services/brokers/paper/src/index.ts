export { DEFAULT_SLIPPAGE, type SlippageModel, walkBook } from "./book.ts";
export { type EngineResult, MatchingEngine, type MatchingEngineOptions, type PersistedOrder } from "./engine.ts";
export { DEFAULT_FEES, type FeeRates, feeFor, feeRates, KRX_SELL_TAX } from "./fees.ts";
export { cacheOrderStore, documentOrderStore, type PaperOrderStore } from "./order-store.ts";
export { type App, createPaperService, PAPER_BROKER, PaperFaults, type PaperServiceOptions } from "./service.ts";
