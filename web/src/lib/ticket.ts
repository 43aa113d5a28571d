/**
 * The order ticket's rules, apart from the UI so they are tested directly:
 * what each order type needs, which time in force it may carry, and the
 * instrument's tick (by price band: the contracts' `tickSizeAt`, as the OMS
 * and risk apply it), lot, size and notional limits. The gateway and risk
 * check again; this only spares the trader a round trip and a rejected order.
 */
import {
  fromFixed,
  type Instrument,
  KRX_STOCK_TICKS,
  type OrderRequest,
  type OrderType,
  type Side,
  type TimeInForce,
  tickSizeAt,
  tickSpecOf,
  tickTableFor,
  toFixed,
} from "@jts/contracts";
import { compareDecimal, formatDecimal, isMultipleOf, isPositiveDecimal, notionalOf, signOf } from "./decimal.ts";

export interface TicketDraft {
  symbol: string;
  side: Side;
  type: OrderType;
  quantity: string;
  price: string;
  stopPrice: string;
  timeInForce: TimeInForce;
}

export type TicketField = "symbol" | "quantity" | "price" | "stopPrice" | "timeInForce";
export type TicketProblems = Partial<Record<TicketField, string>>;

export const ORDER_TYPES: ReadonlyArray<{ value: OrderType; label: string }> = [
  { value: "MARKET", label: "Market" },
  { value: "LIMIT", label: "Limit" },
  { value: "STOP_MARKET", label: "Stop" },
  { value: "STOP_LIMIT", label: "Stop limit" },
];

/** A market order cannot rest, so only immediate time in force fits it (the OMS defaults it to IOC). */
export function allowedTimeInForce(type: OrderType): TimeInForce[] {
  return type === "MARKET" || type === "STOP_MARKET" ? ["IOC", "FOK"] : ["GTC", "DAY", "IOC", "FOK"];
}

export const needsPrice = (type: OrderType) => type === "LIMIT" || type === "STOP_LIMIT";
export const needsStopPrice = (type: OrderType) => type === "STOP_MARKET" || type === "STOP_LIMIT";

export function emptyDraft(symbol = ""): TicketDraft {
  return { symbol, side: "BUY", type: "LIMIT", quantity: "", price: "", stopPrice: "", timeInForce: "GTC" };
}

function quantityProblem(quantity: string, instrument: Instrument | undefined): string | undefined {
  if (!isPositiveDecimal(quantity)) return "Enter a positive quantity, e.g. 0.01";
  if (!instrument) return undefined;
  if (signOf(instrument.minQuantity) > 0 && compareDecimal(quantity, instrument.minQuantity) < 0) {
    return `Minimum quantity is ${formatDecimal(instrument.minQuantity)}`;
  }
  if (signOf(instrument.maxQuantity) > 0 && compareDecimal(quantity, instrument.maxQuantity) > 0) {
    return `Maximum quantity is ${formatDecimal(instrument.maxQuantity)}`;
  }
  if (!isMultipleOf(quantity, instrument.lotSize))
    return `Quantity must be a multiple of the lot size ${instrument.lotSize}`;
  return undefined;
}

function priceProblem(label: string, price: string, instrument: Instrument | undefined): string | undefined {
  if (!isPositiveDecimal(price)) return `Enter a positive ${label}`;
  if (!instrument) return undefined;
  // The tick of the price's band (KRX, Upbit KRW), as the OMS and risk check it.
  const tick = fromFixed(tickSizeAt(tickSpecOf(instrument), toFixed(price)));
  if (!isMultipleOf(price, tick)) {
    return `${label[0]?.toUpperCase()}${label.slice(1)} must be a multiple of the tick size ${tick} at ${price}`;
  }
  return undefined;
}

/**
 * Every problem of the draft, by field; empty when it can be sent.
 * `reference` is the price a market order is valued at (the last trade) for the minimum notional.
 */
export function validateTicket(
  draft: TicketDraft,
  instrument: Instrument | undefined,
  reference?: string | null,
): TicketProblems {
  const problems: TicketProblems = {};
  if (!draft.symbol) problems.symbol = "Choose an instrument";
  else if (!instrument) problems.symbol = `Unknown instrument ${draft.symbol}`;
  const quantity = quantityProblem(draft.quantity.trim(), instrument);
  if (quantity) problems.quantity = quantity;
  if (needsPrice(draft.type)) {
    const price = priceProblem("limit price", draft.price.trim(), instrument);
    if (price) problems.price = price;
  }
  if (needsStopPrice(draft.type)) {
    const stop = priceProblem("stop price", draft.stopPrice.trim(), instrument);
    if (stop) problems.stopPrice = stop;
  }
  if (!allowedTimeInForce(draft.type).includes(draft.timeInForce)) {
    problems.timeInForce = `${draft.timeInForce} does not apply to a ${draft.type.replace("_", " ").toLowerCase()} order`;
  }
  const valuedAt = needsPrice(draft.type) ? draft.price.trim() : reference;
  if (!problems.quantity && !problems.price && instrument && valuedAt && isPositiveDecimal(valuedAt)) {
    const notional = notionalOf(valuedAt, draft.quantity.trim());
    if (signOf(instrument.minNotional) > 0 && compareDecimal(notional, instrument.minNotional) < 0) {
      problems.quantity = `Order value ${formatDecimal(notional)} ${instrument.quote} is below the minimum ${formatDecimal(instrument.minNotional)}`;
    }
  }
  return problems;
}

export const hasProblems = (problems: TicketProblems) => Object.keys(problems).length > 0;

/** The request for a valid draft: only the fields its type uses. */
export function toOrderRequest(draft: TicketDraft, clientOrderId: string, account?: string): OrderRequest {
  return {
    clientOrderId,
    ...(account ? { account } : {}),
    symbol: draft.symbol,
    side: draft.side,
    type: draft.type,
    quantity: draft.quantity.trim(),
    ...(needsPrice(draft.type) ? { price: draft.price.trim() } : {}),
    ...(needsStopPrice(draft.type) ? { stopPrice: draft.stopPrice.trim() } : {}),
    timeInForce: draft.timeInForce,
  };
}

/** randomUUID needs a secure context; a phone on the LAN over plain http falls back to getRandomValues. */
export function newClientOrderId(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** One KRX price band: prices from `from` up to (not including) `to` move in steps of `tick`; the top band has no `to`. */
export interface PriceBand {
  from: string;
  to: string | null;
  tick: string;
}

/**
 * The KRX tick band `price` falls in, for an instrument priced by KRX's table
 * (the contracts' KRX_STOCK_TICKS, the rule the OMS and risk check); null for
 * anything else or a price that is not a positive decimal.
 */
export function krxBandAt(instrument: Instrument | undefined, price: string | null | undefined): PriceBand | null {
  if (!instrument || tickTableFor(instrument) !== KRX_STOCK_TICKS || !price || !isPositiveDecimal(price)) return null;
  const at = toFixed(price);
  let index = 0;
  for (let i = 0; i < KRX_STOCK_TICKS.length; i++) if (at >= (KRX_STOCK_TICKS[i] as PriceBandRow).from) index = i;
  const band = KRX_STOCK_TICKS[index] as PriceBandRow;
  const next = KRX_STOCK_TICKS[index + 1];
  return { from: fromFixed(band.from), to: next ? fromFixed(next.from) : null, tick: fromFixed(band.tick) };
}
type PriceBandRow = (typeof KRX_STOCK_TICKS)[number];
