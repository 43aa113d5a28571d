export { OrderManager, REPORT_CONSUMER, type SubmitResult } from "./manager.ts";
export { MemoryOrderRepository } from "./memory-repository.ts";
export { postgresOrderStorage } from "./postgres.ts";
export { PostgresOrderRepository } from "./postgres-repository.ts";
export type { InsertResult, OrderRepository, OrderTransaction } from "./repository.ts";
export { type App, createOrderExecutionService, type OrderExecutionOptions, type Startable } from "./service.ts";
export { canTransition, isTerminal } from "./state-machine.ts";
