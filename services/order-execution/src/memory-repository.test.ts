import { MemoryEventBus } from "@jts/kit";
import { MemoryOrderRepository } from "./memory-repository.ts";
import { orderRepositoryContract } from "./testing/order-repository-contract.ts";

orderRepositoryContract("memory", async () => {
  const bus = new MemoryEventBus();
  return { repository: new MemoryOrderRepository(bus), bus, deliver: async () => {}, close: () => bus.close() };
});
