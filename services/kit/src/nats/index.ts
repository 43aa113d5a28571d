/** For tests that speak raw NATS as an intruder would (platform has no direct `nats` dependency). */
export { headers as natsHeaders, type Msg, type MsgHdrs, type NatsConnection } from "nats";
export { connectNats, type NatsAuth, natsAuth, natsReady } from "./connect.ts";
export { JetStreamEventBus } from "./jetstream.ts";
export { NatsRpc } from "./rpc.ts";
export { NONCE_HEADER, SIGNATURE_HEADER, signReply, signRequest, TIMESTAMP_HEADER } from "./rpc-signature.ts";
