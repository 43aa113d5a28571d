/**
 * The yardstick for scenario 1, measured in the same run: a bare chain
 * of four async handlers, each checking its input against a compiled contracts
 * schema (Tick, OrderRequest, Order, BrokerAck), driven at the same tick rate
 * by the same pacer, timed from the tick's stamp to the end of the chain.
 *   bun bench/src/workers/baseline-chain.ts --rate=10000 --seconds=20 --warmup=5
 */
import { BrokerAck, Order, OrderRequest, type Tick, Tick as TickSchema } from "@jts/contracts";
import { SIM_INSTRUMENTS } from "@jts/kit";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { emit, flags, num, runChild } from "../lib/child.ts";
import { relNs } from "../lib/clock.ts";
import { encode, newHistogram, record, summarize } from "../lib/hist.ts";
import { paceConstantRate } from "../lib/pacer.ts";

const tickCheck = TypeCompiler.Compile(TickSchema);
const requestCheck = TypeCompiler.Compile(OrderRequest);
const orderCheck = TypeCompiler.Compile(Order);
const ackCheck = TypeCompiler.Compile(BrokerAck);

runChild(async () => {
  const args = flags();
  const rate = num(args, "rate", 10_000);
  const seconds = num(args, "seconds", 20);
  const warmup = num(args, "warmup", 5);
  const latency = newHistogram();
  let measuring = false;
  let seq = 0;
  const symbols = SIM_INSTRUMENTS.map((i) => i.symbol);

  const broker = async (order: Order) => {
    const ack = { orderId: order.id, accepted: true, venueOrderId: `P-${order.id}`, reason: null, tsEvent: "1" };
    if (!ackCheck.Check(ack)) throw new Error("ack");
    return ack;
  };
  const risk = async (order: Order) => {
    if (!orderCheck.Check(order)) throw new Error("order");
    return broker(order);
  };
  const oms = async (request: OrderRequest) => {
    if (!requestCheck.Check(request)) throw new Error("request");
    const order: Order = {
      id: `o${seq}`,
      clientOrderId: request.clientOrderId,
      account: "paper-main",
      venue: "sim",
      symbol: request.symbol,
      side: request.side,
      type: request.type,
      timeInForce: "IOC",
      quantity: request.quantity,
      price: null,
      stopPrice: null,
      filledQuantity: "0",
      averagePrice: null,
      status: "NEW",
      rejectReason: null,
      strategyId: null,
      venueOrderId: null,
      createdAt: "1",
      updatedAt: "1",
    };
    return risk(order);
  };
  const strategy = async (tick: Tick) => {
    if (!tickCheck.Check(tick)) throw new Error("tick");
    return oms({ clientOrderId: `c${seq}`, symbol: tick.symbol, side: "BUY", type: "MARKET", quantity: "1" });
  };

  const send = () => {
    seq++;
    const start = relNs();
    const tick: Tick = {
      symbol: symbols[seq % symbols.length] as string,
      venue: "sim",
      price: "71000",
      quantity: "1",
      aggressor: "BUY",
      tradeId: `t${seq}`,
      tsEvent: "1764236400000000000",
    };
    void strategy(tick).then(() => {
      if (measuring) record(latency, relNs() - start);
    });
    return 1;
  };
  await paceConstantRate(rate, warmup * 1000, send);
  measuring = true;
  const paced = await paceConstantRate(rate, seconds * 1000, send);
  measuring = false;
  emit("result", {
    achievedPerSec: Math.round((paced.sent / paced.elapsedMs) * 1000),
    latency: summarize(latency),
    latencyHist: encode(latency),
  });
});
