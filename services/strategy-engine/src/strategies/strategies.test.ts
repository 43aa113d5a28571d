import { describe, expect, it } from "bun:test";
import type { OrderRequest, StrategyConfig, StrategyKind, StrategyParams, Tick } from "@jts/contracts";
import { fillFixture, silentLogger } from "@jts/kit/testing";
import { StrategyRunner } from "../sdk/runner.ts";

/**
 * Feeds prices as ticks one second apart; every order fills at once at the
 * tick's price, as a paper venue would. Returns "BUY@index" / "SELL@index".
 */
async function signals(kind: StrategyKind, params: StrategyParams, prices: number[]): Promise<string[]> {
  const orders: string[] = [];
  let index = 0;
  let pending: OrderRequest | null = null;
  const config: StrategyConfig = { id: kind, kind, account: "acc", symbol: "X", venue: "sim", params, enabled: true };
  const runner = new StrategyRunner(config, {
    router: {
      async submit(request) {
        pending = request;
      },
      async cancel() {},
    },
    logger: silentLogger,
    cooldownNs: 0n,
  });
  for (const price of prices) {
    const tick: Tick = {
      symbol: "X",
      venue: "sim",
      price: String(price),
      quantity: "1",
      aggressor: "NONE",
      tradeId: String(index),
      tsEvent: String(BigInt(index + 1) * 1_000_000_000n),
    };
    await runner.tick(tick);
    const order = pending as OrderRequest | null;
    if (order) {
      orders.push(`${order.side} ${order.quantity}@${index}`);
      await runner.fill(
        fillFixture({
          id: `f${index}`,
          orderId: `o${index}`,
          clientOrderId: order.clientOrderId,
          symbol: "X",
          side: order.side,
          price: String(price),
          quantity: order.quantity,
          strategyId: kind,
          tsEvent: tick.tsEvent,
        }),
      );
      runner.orderUpdated(order.clientOrderId, "FILLED");
      pending = null;
    }
    index++;
  }
  return orders;
}

describe("moving-average crossover", () => {
  const params = { fastPeriod: 2, slowPeriod: 4, quantity: "10" };

  it("buys on the upward cross and sells the whole position on the downward one", async () => {
    // slow mean of 4, fast mean of 2: below until the rally at index 5, above until the drop at index 9
    const prices = [100, 99, 98, 97, 96, 100, 104, 106, 106, 95, 90];
    expect(await signals("ma-crossover", params, prices)).toEqual(["BUY 10@5", "SELL 10@9"]);
  });

  it("does nothing during warm-up or without a cross", async () => {
    expect(await signals("ma-crossover", params, [100, 101, 102, 103, 104, 105, 106])).toEqual([]);
  });
});

describe("Bollinger mean reversion", () => {
  const params = { period: 5, width: 2, quantity: "1" };

  it("buys a close below the lower band and sells back at the mean", async () => {
    // Quiet around 100, a plunge to 90 (below 100 - 2 x stddev), then the way back up.
    const prices = [100, 101, 99, 100, 101, 90, 92, 95, 99, 100];
    // index 8: 99 >= the mean of (100, 101, 90, 92, 95) = 95.6; 92 and 95 are still below their means.
    expect(await signals("bollinger", params, prices)).toEqual(["BUY 1@5", "SELL 1@8"]);
  });

  it("stays out while prices stay inside the bands", async () => {
    expect(await signals("bollinger", params, [100, 101, 99, 100, 101, 100, 99, 101, 100])).toEqual([]);
  });
});

describe("Donchian breakout", () => {
  const params = { entryPeriod: 4, exitPeriod: 3, quantity: "2" };

  it("buys a break above the entry-period high and sells a break below the exit-period low", async () => {
    const prices = [100, 102, 101, 103, 105, 106, 104, 104, 100];
    // index 4: 105 > max(100,102,101,103); index 8: 100 < min(106,104,104); 106 at index 5 adds nothing while long
    expect(await signals("donchian", params, prices)).toEqual(["BUY 2@4", "SELL 2@8"]);
  });

  it("does not enter before the channel is full", async () => {
    expect(await signals("donchian", params, [100, 101, 102, 103])).toEqual([]);
  });
});
