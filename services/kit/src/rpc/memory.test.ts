import { rpcContract } from "../testing/rpc-contract.ts";
import { MemoryRpc } from "./memory.ts";

rpcContract("in-process", async () => new MemoryRpc());
