import { fx, type Order, type OrderRequest } from "@jts/contracts";
import { AppError, type InstrumentSpec, tickSizeAt } from "@jts/kit";

/**
 * Checks an order against its instrument before anything is stored. Prices
 * follow the tick of their band (KRX, Upbit KRW), the rule risk and the PWA's
 * ticket apply too.
 */
export function validateAgainstInstrument(request: OrderRequest, spec: InstrumentSpec | undefined): void {
  if (!spec) throw new AppError("VALIDATION", `unknown symbol ${request.symbol}`, { field: "symbol" });
  const { instrument } = spec;
  const quantity = fx.toFixed(request.quantity);
  const invalid = (field: string, message: string) => new AppError("VALIDATION", message, { field });
  if (quantity <= 0n) throw invalid("quantity", "quantity must be greater than zero");
  // The spec holds the instrument's limits as fixed-point already (InstrumentCatalog.spec): not parsed per order.
  if (quantity < spec.minQuantity) throw invalid("quantity", `quantity below the minimum ${instrument.minQuantity}`);
  if (quantity > spec.maxQuantity) throw invalid("quantity", `quantity above the maximum ${instrument.maxQuantity}`);
  if (!fx.isMultipleOf(quantity, spec.lotSize))
    throw invalid("quantity", `quantity must be a multiple of the lot size ${instrument.lotSize}`);

  const needsPrice = request.type === "LIMIT" || request.type === "STOP_LIMIT";
  const needsStop = request.type === "STOP_MARKET" || request.type === "STOP_LIMIT";
  if (needsPrice && request.price === undefined) throw invalid("price", `${request.type} needs a price`);
  if (!needsPrice && request.price !== undefined) throw invalid("price", `${request.type} takes no price`);
  if (needsStop && request.stopPrice === undefined) throw invalid("stopPrice", `${request.type} needs a stopPrice`);
  if (!needsStop && request.stopPrice !== undefined) throw invalid("stopPrice", `${request.type} takes no stopPrice`);
  if (request.type === "MARKET" && (request.timeInForce === "GTC" || request.timeInForce === "DAY")) {
    throw invalid("timeInForce", "a MARKET order is IOC or FOK");
  }
  for (const field of ["price", "stopPrice"] as const) {
    const value = request[field];
    if (value === undefined) continue;
    const price = fx.toFixed(value);
    if (price <= 0n) throw invalid(field, `${field} must be greater than zero`);
    const tick = tickSizeAt(spec, price);
    if (!fx.isMultipleOf(price, tick))
      throw invalid(field, `${field} must be a multiple of the tick size ${fx.fromFixed(tick)} at ${value}`);
  }
}

/**
 * The fields in which `request` asks for something else than `order`, the
 * order its clientOrderId already names. Defaults count as given (a MARKET
 * order without timeInForce is IOC) and decimals by value ("1" = "1.0"), so
 * a client's retry of the same order always matches. An empty list: the same
 * request, answered with the same order; anything else is a 409
 * (`reusedClientOrderId`), as a venue refuses a duplicate client order id.
 */
export function requestDifferences(order: Order, request: OrderRequest): string[] {
  const sameDecimal = (a: string | null | undefined, b: string | null | undefined) =>
    (a ?? null) === null || (b ?? null) === null
      ? (a ?? null) === (b ?? null)
      : fx.toFixed(a as string) === fx.toFixed(b as string);
  const fields: string[] = [];
  if (request.venue !== undefined && request.venue !== order.venue) fields.push("venue");
  for (const field of ["symbol", "side", "type"] as const) if (request[field] !== order[field]) fields.push(field);
  for (const field of ["quantity", "price", "stopPrice"] as const)
    if (!sameDecimal(request[field], order[field])) fields.push(field);
  const timeInForce = request.timeInForce ?? (request.type === "MARKET" ? "IOC" : "GTC");
  if (timeInForce !== order.timeInForce) fields.push("timeInForce");
  if ((request.strategyId ?? null) !== order.strategyId) fields.push("strategyId");
  return fields;
}

/** The 409 a reused clientOrderId with a different request gets: it names the order the id belongs to. */
export function reusedClientOrderId(order: Order, fields: readonly string[]): AppError {
  return new AppError(
    "CONFLICT",
    `clientOrderId ${order.clientOrderId} is already order ${order.id}, which differs in ${fields.join(", ")}`,
    { orderId: order.id, clientOrderId: order.clientOrderId, fields },
  );
}
