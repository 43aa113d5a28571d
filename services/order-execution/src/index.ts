export { OrderManager, type SubmitResult } from "./manager.ts";
export { type App, createOrderExecutionService, type OrderExecutionOptions } from "./service.ts";
export { canTransition, isTerminal } from "./state-machine.ts";
export { OrderStore } from "./store.ts";
