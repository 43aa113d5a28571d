import { InstrumentCatalog } from "@jts/kit";
import { silentLogger } from "@jts/kit/testing";
import { OrderManager, type OrderManagerOptions } from "../manager.ts";
import type { OrderRepository } from "../repository.ts";

/**
 * An OrderManager over `repository` and `rpc` (fakes of risk and the venues),
 * with the sim venue routed to the paper broker and orders on account "acc"
 * unless `options` say otherwise; it logs nothing.
 */
export function testOrderManager(
  repository: OrderRepository,
  rpc: ConstructorParameters<typeof OrderManager>[2],
  options: Partial<OrderManagerOptions> = {},
): OrderManager {
  return new OrderManager(repository, new InstrumentCatalog(), rpc, silentLogger, {
    routes: { sim: "paper" },
    defaultAccount: "acc",
    ...options,
  });
}
