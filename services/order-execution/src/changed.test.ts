import { describe, expect, it } from "bun:test";
import type { Order } from "@jts/contracts";
import { orderFixture } from "@jts/kit/testing";
import { changed } from "./manager.ts";

/** What `change` compared before: the order's JSON. `changed` must say the same in every case. */
const byJson = (before: Order, after: Order) => JSON.stringify(before) !== JSON.stringify(after);

describe("changed (whether an apply changed the order)", () => {
  const field = (order: Order) => order as Record<string, unknown>;
  const cases: Array<[string, (order: Order) => void]> = [
    ["nothing", () => {}],
    [
      "the same value written again",
      (order) => {
        field(order).status = "NEW";
      },
    ],
    [
      "the status",
      (order) => {
        order.status = "ACCEPTED";
      },
    ],
    [
      "a null made a string",
      (order) => {
        order.venueOrderId = "v-1";
      },
    ],
    [
      "a string made null",
      (order) => {
        order.rejectReason = null;
      },
    ],
    [
      "a field added",
      (order) => {
        field(order).extra = "x";
      },
    ],
    [
      "a field added as undefined",
      (order) => {
        field(order).extra = undefined;
      },
    ],
    [
      "a field removed",
      (order) => {
        delete field(order).price;
      },
    ],
    [
      "a field made undefined",
      (order) => {
        field(order).price = undefined;
      },
    ],
  ];
  for (const [what, apply] of cases) {
    it(`agrees with the JSON comparison: ${what}`, () => {
      const order = orderFixture({ status: "NEW", price: "100", rejectReason: "r", venueOrderId: null });
      const before = { ...order };
      apply(order);
      expect(changed(before, order)).toBe(byJson(before, order));
    });
  }
});
