export { testOrderManager } from "./manager.ts";
export { APPROVE, omsOnPaper } from "./oms-on-paper.ts";
export { orderRepositoryContract } from "./order-repository-contract.ts";
