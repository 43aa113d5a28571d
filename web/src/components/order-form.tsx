import type { Instrument, Order, OrderRequest, Side } from "@jts/contracts";
import { createEffect, createMemo, createSignal, For, Show } from "solid-js";
import { ApiError, placeOrder } from "../lib/api.ts";
import { compareDecimal, formatDecimal, isMultipleOf, isPositiveDecimal, signOf } from "../lib/decimal.ts";

/** randomUUID needs a secure context; a phone on the LAN over plain http falls back to getRandomValues. */
function newClientOrderId(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Why the quantity cannot be sent, or null when it can. */
export function quantityProblem(quantity: string, instrument: Instrument | undefined): string | null {
  if (!isPositiveDecimal(quantity)) return "Enter a positive number, e.g. 0.01";
  if (!instrument) return null;
  if (signOf(instrument.minQuantity) > 0 && compareDecimal(quantity, instrument.minQuantity) < 0) {
    return `Minimum is ${formatDecimal(instrument.minQuantity)}`;
  }
  if (signOf(instrument.maxQuantity) > 0 && compareDecimal(quantity, instrument.maxQuantity) > 0) {
    return `Maximum is ${formatDecimal(instrument.maxQuantity)}`;
  }
  if (!isMultipleOf(quantity, instrument.lotSize)) return `Must be a multiple of ${instrument.lotSize}`;
  return null;
}

export function OrderForm(props: { instruments: Instrument[]; onPlaced: (order: Order) => void }) {
  const [symbol, setSymbol] = createSignal("");
  const [side, setSide] = createSignal<Side>("BUY");
  const [quantity, setQuantity] = createSignal("");
  const [touched, setTouched] = createSignal(false);
  const [pending, setPending] = createSignal(false);
  const [result, setResult] = createSignal<Order | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  // After a network failure the same order is retried under the same clientOrderId, so it cannot fill twice.
  let retry: { payload: string; clientOrderId: string } | null = null;

  createEffect(() => {
    const first = props.instruments[0];
    if (first && !props.instruments.some((instrument) => instrument.symbol === symbol())) setSymbol(first.symbol);
  });

  const instrument = createMemo(() => props.instruments.find((candidate) => candidate.symbol === symbol()));
  const problem = createMemo(() => quantityProblem(quantity().trim(), instrument()));
  const showProblem = () => touched() && problem() !== null;

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    setTouched(true);
    if (problem() !== null || !symbol() || pending()) return;
    const fields = { symbol: symbol(), side: side(), type: "MARKET" as const, quantity: quantity().trim() };
    const payload = JSON.stringify(fields);
    const clientOrderId = retry?.payload === payload ? retry.clientOrderId : newClientOrderId();
    const order: OrderRequest = { clientOrderId, ...fields };
    setPending(true);
    setError(null);
    setResult(null);
    try {
      const placed = await placeOrder(order);
      retry = null;
      setResult(placed);
      props.onPlaced(placed);
    } catch (caught) {
      const apiError = caught instanceof ApiError ? caught : null;
      const uncertain = !apiError || apiError.status === 0 || apiError.status >= 500;
      retry = uncertain ? { payload, clientOrderId } : null;
      setError(apiError ? apiError.message : "Order failed");
    } finally {
      setPending(false);
    }
  };

  return (
    <section class="panel" aria-labelledby="ticket-title">
      <h2 id="ticket-title">Market order</h2>
      <form class="ticket" onSubmit={submit} novalidate>
        <label class="field">
          <span>Symbol</span>
          <select value={symbol()} onChange={(event) => setSymbol(event.currentTarget.value)} required>
            <For each={props.instruments}>
              {(item) => (
                <option value={item.symbol}>
                  {item.symbol} ({item.venue})
                </option>
              )}
            </For>
          </select>
        </label>
        <fieldset class="side">
          <legend>Side</legend>
          <For each={["BUY", "SELL"] as const}>
            {(value) => (
              <label class={`side__option side__option--${value.toLowerCase()}`}>
                <input
                  type="radio"
                  name="side"
                  value={value}
                  checked={side() === value}
                  onChange={() => setSide(value)}
                />
                <span>{value === "BUY" ? "Buy" : "Sell"}</span>
              </label>
            )}
          </For>
        </fieldset>
        <label class="field">
          <span>Quantity</span>
          <input
            name="quantity"
            inputmode="decimal"
            autocomplete="off"
            placeholder={instrument() ? `min ${instrument()?.minQuantity}` : "0.01"}
            value={quantity()}
            aria-invalid={showProblem()}
            aria-describedby="quantity-hint"
            onInput={(event) => setQuantity(event.currentTarget.value)}
            onBlur={() => setTouched(quantity() !== "")}
          />
          <small id="quantity-hint" class={showProblem() ? "hint hint--error" : "hint"}>
            {showProblem() ? problem() : instrument() ? `Step ${instrument()?.lotSize}` : ""}
          </small>
        </label>
        <button
          type="submit"
          class={`button button--${side() === "BUY" ? "buy" : "sell"}`}
          disabled={pending() || props.instruments.length === 0}
        >
          {pending() ? "Sending…" : `${side() === "BUY" ? "Buy" : "Sell"} ${symbol()}`}
        </button>
      </form>
      <div aria-live="polite">
        <Show when={result()}>
          {(order) => (
            <p class="message">
              Order {order().id}: <span class={`status status--${order().status.toLowerCase()}`}>{order().status}</span>
              <Show when={order().rejectReason}>{(reason) => <> — {reason()}</>}</Show>
            </p>
          )}
        </Show>
        <Show when={error()}>
          {(message) => (
            <p class="message message--error" role="alert">
              {message()}
            </p>
          )}
        </Show>
      </div>
    </section>
  );
}
