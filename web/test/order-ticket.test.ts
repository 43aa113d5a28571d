import { describe, expect, mock, test } from "bun:test";
import type { Instrument, Order, OrderRequest } from "@jts/contracts";
import { SIM_INSTRUMENTS } from "@jts/kit";
import { orderFixture } from "@jts/kit/testing";

const { flush, mount, useDom } = await import("./dom.ts");
useDom();
const { OrderTicket } = await import("../src/components/order-ticket.tsx");

/** The sim venue's BTC-KRW with a coarser lot, so a quantity can miss it. */
const BTC: Instrument = {
  ...(SIM_INSTRUMENTS.find((i) => i.symbol === "BTC-KRW") as Instrument),
  lotSize: "0.0001",
  minQuantity: "0.0001",
  maxQuantity: "100",
};

/** The order the gateway answers a ticket's request with. */
function order(request: OrderRequest, overrides: Partial<Order> = {}): Order {
  return orderFixture({
    id: "o-1",
    clientOrderId: request.clientOrderId,
    account: "paper-main",
    symbol: request.symbol,
    side: request.side,
    type: request.type,
    timeInForce: request.timeInForce ?? "GTC",
    quantity: request.quantity,
    price: request.price ?? null,
    stopPrice: request.stopPrice ?? null,
    status: "ACCEPTED",
    ...overrides,
  });
}

function mountTicket(place: (request: OrderRequest) => Promise<Order>, offline = false) {
  const t = mount(() => OrderTicket({ instruments: [BTC], lastPrice: () => "150000000", place, offline }));
  const hint = (name: string) => t.$<HTMLElement>(`#${name}-hint`)?.textContent ?? "";
  return { ...t, hint };
}

describe("order ticket validation", () => {
  test("refuses a quantity off the lot size and a price off the tick, and sends nothing", () => {
    const place = mock(async (r: OrderRequest) => order(r));
    const t = mountTicket(place);
    t.type("quantity", "0.00015");
    t.type("price", "150000500");
    t.submit();
    expect(t.hint("quantity")).toContain("multiple of the lot size 0.0001");
    expect(t.hint("price")).toContain("multiple of the tick size 1000");
    expect(t.$('[name="quantity"]').getAttribute("aria-invalid")).toBe("true");
    expect(t.root.querySelector(".confirm")).toBeNull();
    expect(place).not.toHaveBeenCalled();
  });

  test("a limit order needs a price; a stop limit needs both prices", () => {
    const t = mountTicket(async (r) => order(r));
    t.type("quantity", "0.001");
    t.submit();
    expect(t.hint("price")).toBe("Enter a positive limit price");
    t.choose("type", "STOP_LIMIT");
    t.submit();
    expect(t.hint("stopPrice")).toBe("Enter a positive stop price");
    expect(t.hint("price")).toBe("Enter a positive limit price");
  });

  test("below the minimum quantity and below the minimum order value are refused with the limit", () => {
    const t = mountTicket(async (r) => order(r));
    t.choose("type", "MARKET");
    t.type("quantity", "0");
    t.submit();
    expect(t.hint("quantity")).toContain("positive quantity");
    t.type("quantity", "0.0001");
    t.choose("type", "LIMIT");
    t.type("price", "1000");
    t.submit();
    expect(t.hint("quantity")).toContain("below the minimum 5,000");
  });

  test("a market order offers only immediate time in force", () => {
    const t = mountTicket(async (r) => order(r));
    t.choose("type", "MARKET");
    const options = [...t.$<HTMLSelectElement>('select[name="timeInForce"]').options].map((o) => o.value);
    expect(options).toEqual(["IOC", "FOK"]);
    expect(t.root.querySelector('[name="price"]')).toBeNull();
  });

  test("a valid order is sent only after the confirmation step, with the fields of its type", async () => {
    const place = mock(async (r: OrderRequest) => order(r));
    const t = mountTicket(place);
    t.type("quantity", "0.001");
    t.type("price", "149000000");
    t.choose("timeInForce", "DAY");
    t.submit();
    expect(place).not.toHaveBeenCalled();
    expect(t.$("[data-testid=order-summary]").textContent).toContain(
      "Buy 0.001 BTC-KRW · Limit · limit 149,000,000 · DAY",
    );
    t.button("Confirm buy")?.click();
    await flush();
    expect(place).toHaveBeenCalledTimes(1);
    const sent = place.mock.calls[0]?.[0] as OrderRequest;
    expect(sent).toMatchObject({
      symbol: "BTC-KRW",
      side: "BUY",
      type: "LIMIT",
      quantity: "0.001",
      price: "149000000",
      timeInForce: "DAY",
    });
    expect(sent.stopPrice).toBeUndefined();
    expect(t.$("[data-testid=order-placed]").textContent).toContain("ACCEPTED");
  });

  test("Back returns to editing without sending", () => {
    const place = mock(async (r: OrderRequest) => order(r));
    const t = mountTicket(place);
    t.type("quantity", "0.001");
    t.type("price", "149000000");
    t.submit();
    t.button("Back")?.click();
    expect(t.root.querySelector(".confirm")).toBeNull();
    expect(place).not.toHaveBeenCalled();
  });

  test("a risk refusal is shown with its reason", async () => {
    const t = mountTicket(async (r) =>
      order(r, { status: "REJECTED", rejectReason: "TRADING_HALTED: trading is halted (e2e)" }),
    );
    t.choose("type", "MARKET");
    t.type("quantity", "0.001");
    t.submit();
    t.button("Confirm buy")?.click();
    await flush();
    const refusal = t.$("[data-testid=order-refused]");
    expect(refusal.getAttribute("role")).toBe("alert");
    expect(refusal.textContent).toBe("Refused: TRADING_HALTED: trading is halted (e2e)");
  });

  test("a network failure keeps the clientOrderId so the retry cannot fill twice", async () => {
    const { ApiError } = await import("../src/lib/api.ts");
    let calls = 0;
    const place = mock(async (r: OrderRequest) => {
      calls += 1;
      if (calls === 1) throw new ApiError(0, "NETWORK", "network error");
      return order(r);
    });
    const t = mountTicket(place);
    t.choose("type", "MARKET");
    t.type("quantity", "0.001");
    for (let attempt = 0; attempt < 2; attempt++) {
      t.submit();
      t.button("Confirm buy")?.click();
      await flush();
    }
    const ids = place.mock.calls.map((call) => call[0].clientOrderId);
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(ids[1] as string);
  });

  test("offline, the ticket says so and sends nothing", () => {
    const place = mock(async (r: OrderRequest) => order(r));
    const t = mountTicket(place, true);
    t.choose("type", "MARKET");
    t.type("quantity", "0.001");
    t.submit();
    expect(t.root.textContent).toContain("Offline: orders cannot be sent");
    expect(t.button("Review")?.disabled).toBe(true);
    expect(t.root.querySelector(".confirm")).toBeNull();
    expect(place).not.toHaveBeenCalled();
  });
});
