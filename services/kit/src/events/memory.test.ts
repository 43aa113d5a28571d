import { eventBusContract } from "../testing/event-bus-contract.ts";
import { MemoryEventBus } from "./memory.ts";

eventBusContract("memory", async () => new MemoryEventBus());
