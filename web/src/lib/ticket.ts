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
import {
  compareDecimal,
  formatDecimal,
  formatMoney,
  isMultipleOf,
  isPositiveDecimal,
  notionalOf,
  signOf,
} from "./decimal.ts";
import { t } from "./i18n.ts";
import { orderTypeLabel, timeInForceLabel } from "./labels.ts";

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

/** The ticket's order types, in its menu's order (their words: labels.ts's orderTypeLabel). */
export const ORDER_TYPES: readonly OrderType[] = ["MARKET", "LIMIT", "STOP_MARKET", "STOP_LIMIT"];

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
  if (!isPositiveDecimal(quantity)) return t("ticket.problem.quantity");
  if (!instrument) return undefined;
  if (signOf(instrument.minQuantity) > 0 && compareDecimal(quantity, instrument.minQuantity) < 0) {
    return t("ticket.problem.minQuantity", { min: formatDecimal(instrument.minQuantity) });
  }
  if (signOf(instrument.maxQuantity) > 0 && compareDecimal(quantity, instrument.maxQuantity) > 0) {
    return t("ticket.problem.maxQuantity", { max: formatDecimal(instrument.maxQuantity) });
  }
  if (!isMultipleOf(quantity, instrument.lotSize)) return t("ticket.problem.lot", { lot: instrument.lotSize });
  return undefined;
}

function priceProblem(which: "limit" | "stop", price: string, instrument: Instrument | undefined): string | undefined {
  if (!isPositiveDecimal(price)) return t(which === "limit" ? "ticket.problem.limitPrice" : "ticket.problem.stopPrice");
  if (!instrument) return undefined;
  // The tick of the price's band (KRX, Upbit KRW), as the OMS and risk check it.
  const tick = fromFixed(tickSizeAt(tickSpecOf(instrument), toFixed(price)));
  if (!isMultipleOf(price, tick)) {
    return t(which === "limit" ? "ticket.problem.limitTick" : "ticket.problem.stopTick", { tick, price });
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
  if (!draft.symbol) problems.symbol = t("ticket.problem.chooseInstrument");
  else if (!instrument) problems.symbol = t("ticket.problem.unknownInstrument", { symbol: draft.symbol });
  const quantity = quantityProblem(draft.quantity.trim(), instrument);
  if (quantity) problems.quantity = quantity;
  if (needsPrice(draft.type)) {
    const price = priceProblem("limit", draft.price.trim(), instrument);
    if (price) problems.price = price;
  }
  if (needsStopPrice(draft.type)) {
    const stop = priceProblem("stop", draft.stopPrice.trim(), instrument);
    if (stop) problems.stopPrice = stop;
  }
  if (!allowedTimeInForce(draft.type).includes(draft.timeInForce)) {
    problems.timeInForce = t("ticket.problem.timeInForce", {
      tif: timeInForceLabel(draft.timeInForce),
      type: orderTypeLabel(draft.type).toLowerCase(),
    });
  }
  const valuedAt = needsPrice(draft.type) ? draft.price.trim() : reference;
  if (!problems.quantity && !problems.price && instrument && valuedAt && isPositiveDecimal(valuedAt)) {
    const notional = notionalOf(valuedAt, draft.quantity.trim());
    if (signOf(instrument.minNotional) > 0 && compareDecimal(notional, instrument.minNotional) < 0) {
      problems.quantity = t("ticket.problem.minNotional", {
        value: formatMoney(notional, instrument.quote),
        quote: instrument.quote,
        min: formatMoney(instrument.minNotional, instrument.quote),
      });
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
