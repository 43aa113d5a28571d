/**
 * Scenario 6: pre-trade risk checks per second in one process.
 *   bun bench/src/workers/risk-checks.ts --seconds=3
 * RiskEngine.check over a varied set of orders (three symbols, MARKET and
 * LIMIT, buys and sells, some refused for notional or position), with last
 * prices and positions loaded as the service loads them from ticks and fills.
 * For context, the same checks through the in-process rpc the OMS uses
 * (MemoryRpc, request schema check, reply schema check).
 */
import { nowNsString, type Order, Subjects } from "@jts/contracts";
import { InstrumentCatalog, MemoryRpc, rpcClient, serve } from "@jts/kit";
import { fillFixture, orderFixture } from "@jts/kit/testing";
import { DEFAULT_RISK_LIMITS, RiskEngine } from "@jts/risk-management";
import { emit, flags, num, runChild } from "../lib/child.ts";

function orders(count: number): Order[] {
  const kinds = [
    { symbol: "BTC-KRW", quantity: ["0.001", "0.01", "0.25", "0.5"], price: "150000000" },
    { symbol: "ETH-KRW", quantity: ["0.01", "0.1", "1", "12"], price: "5000000" },
    { symbol: "005930", quantity: ["1", "10", "100", "900"], price: "71000" },
  ];
  const now = nowNsString();
  return Array.from({ length: count }, (_, i) => {
    const kind = kinds[i % kinds.length] as (typeof kinds)[number];
    const limit = i % 4 === 0;
    return orderFixture({
      id: `o${i}`,
      clientOrderId: `c${i}`,
      account: i % 5 === 0 ? "acct-2" : "paper-main",
      symbol: kind.symbol,
      side: i % 3 === 0 ? "SELL" : "BUY",
      type: limit ? "LIMIT" : "MARKET",
      timeInForce: limit ? "GTC" : "IOC",
      quantity: kind.quantity[i % kind.quantity.length] as string,
      price: limit ? kind.price : null,
      createdAt: now,
      updatedAt: now,
    });
  });
}

runChild(async () => {
  const args = flags();
  const seconds = num(args, "seconds", 3);
  const engine = new RiskEngine(new InstrumentCatalog(), DEFAULT_RISK_LIMITS);
  engine.onPrice("BTC-KRW", "150000000");
  engine.onPrice("ETH-KRW", "5000000");
  engine.onPrice("005930", "71000");
  engine.onFill(
    fillFixture({
      orderId: "o",
      clientOrderId: "c",
      account: "paper-main",
      symbol: "BTC-KRW",
      price: "150000000",
      quantity: "0.2",
      tsEvent: nowNsString(),
    }),
  );
  const book = orders(1024);
  let approved = 0;
  for (let i = 0; i < 200_000; i++) if (engine.check(book[i & 1023] as Order).approved) approved++;

  approved = 0;
  let done = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 10_000; i++) if (engine.check(book[(done + i) & 1023] as Order).approved) approved++;
    done += 10_000;
  }
  const checksPerSec = done / ((performance.now() - start) / 1000);

  // The same engine behind the rpc port, as order-execution calls it (sequential calls).
  const rpc = new MemoryRpc();
  await serve(rpc, Subjects.riskCheck, ({ order }) => engine.check(order));
  const client = rpcClient(rpc);
  let viaRpc = 0;
  const rpcStart = performance.now();
  const rpcEnd = rpcStart + Math.min(seconds, 2) * 1000;
  while (performance.now() < rpcEnd) {
    for (let i = 0; i < 1000; i++) await client.call(Subjects.riskCheck, { order: book[(viaRpc + i) & 1023] as Order });
    viaRpc += 1000;
  }
  emit("result", {
    checksPerSec: Math.round(checksPerSec),
    approvedShare: Math.round((approved / done) * 100) / 100,
    viaRpcPerSec: Math.round(viaRpc / ((performance.now() - rpcStart) / 1000)),
  });
});
