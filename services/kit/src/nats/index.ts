export { connectNats, type NatsAuth, natsAuth, natsReady } from "./connect.ts";
export { JetStreamEventBus } from "./jetstream.ts";
export { NatsRpc } from "./rpc.ts";
