import { describe, expect, it } from "bun:test";
import { type Fixed, fx } from "@jts/contracts";
import type { OrderIntent, StrategyContext } from "../sdk/strategy.ts";
import { enterLong, exitLong } from "./price-strategy.ts";

/** A context holding `position`, recording what the helpers submit. */
function context(position: string, shortsAllowed?: boolean) {
  const sent: Array<[string, string]> = [];
  const ctx = {
    params: { quantity: "2" },
    position: (): Fixed => fx.toFixed(position),
    submit: async (intent: OrderIntent) => {
      sent.push([intent.side, intent.quantity]);
      return "id";
    },
    ...(shortsAllowed === undefined ? {} : { shortsAllowed }),
  } as unknown as StrategyContext<{ quantity: string }>;
  return { ctx, sent };
}

describe("entry and exit helpers", () => {
  it("stay long only unless shorts are allowed", async () => {
    for (const [position, allowed] of [
      ["0", undefined],
      ["-1", false],
    ] as const) {
      const { ctx, sent } = context(position, allowed);
      await exitLong(ctx, "down");
      await enterLong(ctx, "up");
      expect(sent).toEqual(position === "0" ? [["BUY", "2"]] : []);
    }
    const long = context("3");
    await exitLong(long.ctx, "down");
    expect(long.sent).toEqual([["SELL", "3"]]);
  });

  it("reverse where shorts are allowed: an exit opens a short, an entry covers it", async () => {
    const long = context("3", true);
    await exitLong(long.ctx, "down");
    expect(long.sent).toEqual([["SELL", "5"]]);
    const flat = context("0", true);
    await exitLong(flat.ctx, "down");
    expect(flat.sent).toEqual([["SELL", "2"]]);
    const short = context("-2", true);
    await exitLong(short.ctx, "down"); // already short: nothing more
    await enterLong(short.ctx, "up");
    expect(short.sent).toEqual([["BUY", "4"]]);
  });
});
