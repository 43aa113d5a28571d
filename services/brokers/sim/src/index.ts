export { historyTicks, seedSimHistory } from "./history-seed.ts";
export { SimMarket } from "./market.ts";
export { type App, createSimService, type SimOptions } from "./service.ts";
