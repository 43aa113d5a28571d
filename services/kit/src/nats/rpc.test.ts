import { it } from "bun:test";
import { rpcContract } from "../testing/rpc-contract.ts";
import { serverUrl } from "../testing/servers.ts";
import { connectNats } from "./connect.ts";
import { NatsRpc } from "./rpc.ts";

const url = serverUrl("NATS_URL");

if (url) rpcContract("nats", async () => new NatsRpc(await connectNats(url, "rpc-contract")));
else it.skip("Rpc contract: nats (NATS_URL not set)", () => {});
