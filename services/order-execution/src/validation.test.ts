import { describe, expect, it } from "bun:test";
import type { OrderRequest } from "@jts/contracts";
import { AppError, InstrumentCatalog, SIM_INSTRUMENTS } from "@jts/kit";
import { validateAgainstInstrument } from "./validation.ts";

const stock = SIM_INSTRUMENTS.find((i) => i.symbol === "005930");
if (!stock) throw new Error("the sim instruments list 005930");
/** 005930 with a minimum above its lot, so the minimum, the maximum and the lot each refuse on their own. */
const catalog = new InstrumentCatalog([{ ...stock, minQuantity: "5", maxQuantity: "100", lotSize: "5" }]);
const request = (quantity: string): OrderRequest => ({
  clientOrderId: "c-1",
  symbol: "005930",
  side: "BUY",
  type: "MARKET",
  quantity,
});
const refusal = (quantity: string) => {
  try {
    validateAgainstInstrument(request(quantity), catalog.spec("005930"));
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return (error as AppError).message;
  }
};

describe("validateAgainstInstrument", () => {
  it("refuses a quantity below the minimum, above the maximum or off the lot, and takes the ones within", () => {
    expect(refusal("0")).toContain("greater than zero");
    expect(refusal("4")).toContain("below the minimum 5");
    expect(refusal("105")).toContain("above the maximum 100");
    expect(refusal("7")).toContain("multiple of the lot size 5");
    expect(refusal("5")).toBeNull();
    expect(refusal("100")).toBeNull();
    expect(refusal("100.0")).toBeNull();
  });
});
