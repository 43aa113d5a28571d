import { describe, expect, mock, test } from "bun:test";
import type { Order } from "@jts/contracts";
import { fillFixture, orderFixture } from "@jts/kit/testing";

const { createSignal, flush, mount, useDom } = await import("./dom.ts");
useDom();
const { OpenOrders, OrderHistory, FillsTable } = await import("../src/components/blotter.tsx");

/** A resting BTC-KRW limit buy as the gateway lists it. */
const order = (id: string, overrides: Partial<Order> = {}): Order =>
  orderFixture({
    id,
    clientOrderId: `c-${id}`,
    account: "paper-main",
    symbol: "BTC-KRW",
    type: "LIMIT",
    timeInForce: "GTC",
    quantity: "0.001",
    price: "140000000",
    status: "ACCEPTED",
    createdAt: "1764200000000000000",
    updatedAt: "1764200000000000000",
    ...overrides,
  });

function mountBlotter(view: () => unknown) {
  const t = mount(view);
  const rows = () => [...t.root.querySelectorAll("tbody tr")] as HTMLTableRowElement[];
  return { ...t, rows };
}

describe("blotter", () => {
  test("open orders list each order with a cancel that calls the gateway for that order", async () => {
    const cancel = mock(async (_: Order) => undefined);
    const t = mountBlotter(() =>
      OpenOrders({
        orders: [order("a"), order("b", { side: "SELL", price: "160000000" })],
        cancel,
        cancelAll: async () => {},
      }),
    );
    expect(t.rows()).toHaveLength(2);
    expect(t.rows()[1]?.textContent).toContain("160,000,000");
    expect(t.root.querySelector(".count")?.textContent).toBe("2");
    const second = t.rows()[1]?.querySelector("button") as HTMLButtonElement;
    expect(second.getAttribute("aria-label")).toBe("Cancel sell 0.001 BTC-KRW");
    second.click();
    await flush();
    expect(cancel).toHaveBeenCalledTimes(1);
    expect(cancel.mock.calls[0]?.[0].id).toBe("b");
  });

  test("cancel all asks first, and Keep sends nothing", async () => {
    const cancelAll = mock(async () => undefined);
    const t = mountBlotter(() => OpenOrders({ orders: [order("a"), order("b")], cancel: async () => {}, cancelAll }));
    t.button("Cancel all")?.click();
    expect(t.root.querySelector('[aria-label="Confirm cancel all"]')?.textContent).toContain("Cancel 2?");
    t.button("Keep")?.click();
    expect(cancelAll).not.toHaveBeenCalled();
    t.button("Cancel all")?.click();
    t.button("Yes, cancel all")?.click();
    await flush();
    expect(cancelAll).toHaveBeenCalledTimes(1);
  });

  test("a failed cancel shows the gateway's message", async () => {
    const t = mountBlotter(() =>
      OpenOrders({
        orders: [order("a")],
        cancel: async () => {
          throw new Error("order a is FILLED and cannot be canceled");
        },
        cancelAll: async () => {},
      }),
    );
    t.button("Cancel")?.click();
    await flush();
    expect(t.root.querySelector("[role=alert]")?.textContent).toBe("order a is FILLED and cannot be canceled");
  });

  test("rows follow the orders as they change: a canceled order leaves the open list", () => {
    const [orders, setOrders] = createSignal([order("a"), order("b")]);
    const t = mountBlotter(() =>
      OpenOrders({
        get orders() {
          return orders();
        },
        cancel: async () => {},
        cancelAll: async () => {},
      }),
    );
    expect(t.rows().map((r) => r.dataset.orderId)).toEqual(["a", "b"]);
    setOrders([order("b")]);
    expect(t.rows().map((r) => r.dataset.orderId)).toEqual(["b"]);
    setOrders([]);
    expect(t.rows()[0]?.textContent).toBe("No open orders");
    expect(t.button("Cancel all")).toBeUndefined();
  });

  test("viewers see open orders without cancel buttons", () => {
    const t = mountBlotter(() =>
      OpenOrders({ orders: [order("a")], cancel: async () => {}, cancelAll: async () => {}, canTrade: false }),
    );
    expect(t.root.querySelectorAll("button")).toHaveLength(0);
  });

  test("history shows fill progress, average price and the reason of a refusal", () => {
    const t = mountBlotter(() =>
      OrderHistory({
        orders: [
          order("r", {
            type: "MARKET",
            price: null,
            status: "REJECTED",
            rejectReason: "TRADING_HALTED: halted by admin",
          }),
          order("f", { status: "FILLED", filledQuantity: "0.001", averagePrice: "150001000" }),
        ],
      }),
    );
    const [rejected, filled] = t.rows();
    expect(rejected?.querySelector(".status")?.textContent).toBe("REJECTED");
    expect(rejected?.querySelector(".reason")?.textContent).toBe("TRADING_HALTED: halted by admin");
    expect(filled?.textContent).toContain("150,001,000");
    expect(filled?.querySelector(".status")?.textContent).toBe("FILLED");
  });

  test("history shows an average price with every decimal the API sends (12345.678901, not 12345.7)", () => {
    const t = mountBlotter(() =>
      OrderHistory({
        orders: [order("p", { status: "FILLED", filledQuantity: "0.00000001", averagePrice: "12345.678901" })],
      }),
    );
    expect(t.rows()[0]?.textContent).toContain("12,345.678901");
  });

  test("an order whose outcome is unknown is open, badged as such with what it means, and found by the status filter", async () => {
    const unknown = order("u", { status: "OUTCOME_UNKNOWN", rejectReason: "broker kis: timed out" });
    const open = mountBlotter(() =>
      OpenOrders({ orders: [unknown], cancel: async () => {}, cancelAll: async () => {} }),
    );
    const badge = open.rows()[0]?.querySelector(".status--outcome_unknown");
    expect(badge?.textContent).toBe("OUTCOME UNKNOWN");
    expect(badge?.getAttribute("title")).toContain("asking the venue");
    expect(open.button("Cancel")).toBeDefined();

    const { isOpen } = await import("../src/lib/store.ts");
    expect(isOpen(unknown)).toBe(true);

    const history = mountBlotter(() =>
      OrderHistory({ orders: [order("f", { status: "FILLED" }), unknown, order("r", { status: "REJECTED" })] }),
    );
    expect(history.rows()).toHaveLength(3);
    history.choose("historyStatus", "OUTCOME_UNKNOWN");
    expect(history.rows().map((r) => r.dataset.orderId)).toEqual(["u"]);
    expect(history.rows()[0]?.querySelector(".reason")?.textContent).toBe("broker kis: timed out");
    history.choose("historyStatus", "");
    expect(history.rows()).toHaveLength(3);
  });

  test("fills list price, quantity, fee and liquidity", () => {
    const fill = fillFixture({
      orderId: "o1",
      clientOrderId: "c1",
      account: "paper-main",
      symbol: "ETH-KRW",
      side: "SELL",
      price: "5000000",
      quantity: "0.5",
      fee: "1250",
      tsEvent: "1764200000000000000",
    });
    const t = mountBlotter(() => FillsTable({ fills: [fill] }));
    const cells = [...(t.rows()[0]?.cells ?? [])].map((c) => c.textContent);
    expect(cells.slice(1)).toEqual(["ETH-KRW", "SELL", "0.5", "5,000,000", "1,250 KRW", "taker"]);
  });

  test("amend sends only what changed, refuses a bad price, and offers nothing for a market order", async () => {
    const amend = mock(async (_order: Order, _changes: object) => undefined);
    const t = mountBlotter(() =>
      OpenOrders({
        orders: [order("a"), order("m", { type: "MARKET", price: null })],
        cancel: async () => {},
        cancelAll: async () => {},
        amend,
      }),
    );
    expect(t.rows()[1]?.textContent).not.toContain("Amend");
    t.button("Amend")?.click();
    expect(t.$<HTMLInputElement>("input[name=amendPrice]").value).toBe("140000000");
    t.type("amendPrice", "-5");
    t.submit();
    expect(t.root.querySelector("[role=alert]")?.textContent).toBe("Price must be a positive number");
    t.type("amendPrice", "141000000");
    t.submit();
    await flush();
    expect(amend).toHaveBeenCalledTimes(1);
    expect(amend.mock.calls[0]?.[0].id).toBe("a");
    expect(amend.mock.calls[0]?.[1]).toEqual({ price: "141000000" });
    expect(t.root.querySelector("form")).toBeNull();
  });

  test("marks the stop orders the OMS announced as triggered, in open orders and in the history", () => {
    const stop = (id: string) => order(id, { type: "STOP_MARKET", price: null, stopPrice: "130000000", side: "SELL" });
    const triggered = new Set(["s1"]);
    const open = mountBlotter(() =>
      OpenOrders({ orders: [stop("s1"), stop("s2")], cancel: async () => {}, cancelAll: async () => {}, triggered }),
    );
    const marks = open.rows().map((row) => row.querySelector(".status--triggered")?.textContent ?? null);
    expect(marks).toEqual(["stop triggered", null]);
    const history = mountBlotter(() => OrderHistory({ orders: [stop("s1"), stop("s2")], triggered: new Set(["s2"]) }));
    expect(history.rows()[1]?.cells[3]?.textContent).toBe("Stop marketstop triggered");
    expect(history.rows()[0]?.querySelector(".status--triggered")).toBeNull();
  });
});
