import { describe, expect, it } from "bun:test";
import { orderFixture } from "@jts/kit/testing";
import { RecentOrders } from "./orders.ts";

describe("RecentOrders", () => {
  it("refuses a clientOrderId another order used, and forgets the oldest ids past its capacity, per account", () => {
    const recent = new RecentOrders(3);
    const order = (n: number, account = "a") =>
      orderFixture({ id: `o-${account}-${n}`, clientOrderId: `c-${n}`, account });
    for (let n = 1; n <= 5; n++) recent.remember(order(n), 0, 0);
    recent.remember(order(1, "b"), 0, 0);
    // Another order reusing an id still held is named; the oldest two (c-1, c-2) of account a were dropped.
    const reuse = (n: number, account = "a") => orderFixture({ id: `x-${n}`, clientOrderId: `c-${n}`, account });
    expect([1, 2, 3, 4, 5].map((n) => recent.clientIdOwner(reuse(n)))).toEqual([null, null, "o-a-3", "o-a-4", "o-a-5"]);
    // The order itself is not its own duplicate; account b keeps its own ids.
    expect(recent.clientIdOwner(order(5))).toBeNull();
    expect(recent.clientIdOwner(reuse(1, "b"))).toBe("o-b-1");
    // Remembered again, an id keeps its place (first remembered, first dropped).
    recent.remember(order(3), 0, 0);
    recent.remember(order(6), 0, 0);
    expect([3, 4, 5, 6].map((n) => recent.clientIdOwner(reuse(n)))).toEqual([null, "o-a-4", "o-a-5", "o-a-6"]);
  });
});
