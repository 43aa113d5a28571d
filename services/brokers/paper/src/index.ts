export { PaperBroker } from "./broker.ts";
export { type App, createPaperService, PAPER_BROKER } from "./service.ts";
