import type { Instrument, Order, OrderRequest, OrderType, Side, TimeInForce } from "@jts/contracts";
import { createEffect, createMemo, createSignal, For, on, Show } from "solid-js";
import { createStore } from "solid-js/store";
import { ApiError } from "../lib/api.ts";
import { formatDecimal, formatMoney, isPositiveDecimal, notionalOf } from "../lib/decimal.ts";
import { t } from "../lib/i18n.ts";
import { orderTypeLabel, ruleLabel, ruleOfReason, statusLabel, timeInForceLabel } from "../lib/labels.ts";
import {
  allowedTimeInForce,
  emptyDraft,
  hasProblems,
  krxBandAt,
  needsPrice,
  needsStopPrice,
  newClientOrderId,
  ORDER_TYPES,
  type TicketDraft,
  type TicketField,
  toOrderRequest,
  validateTicket,
} from "../lib/ticket.ts";

export interface OrderTicketProps {
  instruments: Instrument[];
  /** The instrument picked elsewhere (the watchlist); the ticket follows it. */
  symbol?: string;
  /** Last trade per symbol: shown, and used to value a market order. */
  lastPrice: (symbol: string) => string | null;
  place: (order: OrderRequest) => Promise<Order>;
  onPlaced?: (order: Order) => void;
  /** False for viewers: the ticket explains instead of sending. */
  canTrade?: boolean;
  /** No connection: nothing can be sent, and the ticket says so rather than failing on submit. */
  offline?: boolean;
}

type Outcome =
  | { kind: "placed"; order: Order }
  | { kind: "refused"; order: Order }
  | { kind: "error"; message: string };

export function OrderTicket(props: OrderTicketProps) {
  const [draft, setDraft] = createStore<TicketDraft>(emptyDraft());
  const [touched, setTouched] = createStore<Partial<Record<TicketField, boolean>>>({});
  const [reviewing, setReviewing] = createSignal(false);
  const [pending, setPending] = createSignal(false);
  const [outcome, setOutcome] = createSignal<Outcome | null>(null);
  // After a network failure the same order is retried under the same clientOrderId, so it cannot fill twice.
  let retry: { payload: string; clientOrderId: string } | null = null;
  let confirmButton: HTMLButtonElement | undefined;

  createEffect(
    on([() => props.symbol, () => props.instruments], ([symbol, instruments]) => {
      if (symbol && instruments.some((i) => i.symbol === symbol)) setDraft("symbol", symbol);
      else if (!instruments.some((i) => i.symbol === draft.symbol)) setDraft("symbol", instruments[0]?.symbol ?? "");
    }),
  );

  const instrument = createMemo(() => props.instruments.find((i) => i.symbol === draft.symbol));
  /** Under a price field: the KRX band the price (or else the last trade) falls in, or the flat tick. */
  const priceHint = (typed: string) => {
    const band = krxBandAt(instrument(), typed.trim() || last());
    if (band)
      return band.to
        ? t("ticket.band", {
            from: formatDecimal(band.from),
            to: formatDecimal(band.to),
            tick: formatDecimal(band.tick),
          })
        : t("ticket.bandTop", { from: formatDecimal(band.from), tick: formatDecimal(band.tick) });
    return instrument() ? t("ticket.tick", { tick: instrument()?.tickSize ?? "" }) : "";
  };
  const last = () => (draft.symbol ? props.lastPrice(draft.symbol) : null);
  const problems = createMemo(() => validateTicket(draft, instrument(), last()));
  const shown = (field: TicketField) => (touched[field] ? problems()[field] : undefined);

  const setType = (type: OrderType) => {
    setDraft("type", type);
    // Keep the time in force valid for the new type instead of flagging the trader's old choice.
    if (!allowedTimeInForce(type).includes(draft.timeInForce))
      setDraft("timeInForce", allowedTimeInForce(type)[0] as TimeInForce);
  };

  const edit = (field: "quantity" | "price" | "stopPrice", value: string) => {
    setDraft(field, value);
    setReviewing(false);
  };

  const review = (event: SubmitEvent) => {
    event.preventDefault();
    setTouched({ symbol: true, quantity: true, price: true, stopPrice: true, timeInForce: true });
    setOutcome(null);
    if (hasProblems(problems()) || props.canTrade === false || props.offline) return;
    setReviewing(true);
    queueMicrotask(() => confirmButton?.focus());
  };

  const confirm = async () => {
    if (pending()) return;
    const payload = JSON.stringify(draft);
    const clientOrderId = retry?.payload === payload ? retry.clientOrderId : newClientOrderId();
    setPending(true);
    try {
      const order = await props.place(toOrderRequest(draft, clientOrderId));
      retry = null;
      setOutcome(order.status === "REJECTED" ? { kind: "refused", order } : { kind: "placed", order });
      props.onPlaced?.(order);
      setReviewing(false);
    } catch (caught) {
      const apiError = caught instanceof ApiError ? caught : null;
      const uncertain = !apiError || apiError.status === 0 || apiError.status >= 500;
      retry = uncertain ? { payload, clientOrderId } : null;
      setOutcome({ kind: "error", message: apiError ? apiError.message : t("ticket.failed") });
      setReviewing(false);
    } finally {
      setPending(false);
    }
  };

  const estimate = () => {
    const price = needsPrice(draft.type) ? draft.price.trim() : last();
    const quantity = draft.quantity.trim();
    if (!price || !isPositiveDecimal(price) || !isPositiveDecimal(quantity)) return null;
    return notionalOf(price, quantity);
  };

  const sideLabel = (side: Side) => t(side === "BUY" ? "ticket.BUY" : "ticket.SELL");

  return (
    <section class="panel ticket-panel" aria-labelledby="ticket-title">
      <h2 id="ticket-title">{t("ticket.title")}</h2>
      <form class="ticket" onSubmit={review} novalidate aria-describedby="ticket-note">
        <label class="field">
          <span>{t("ticket.instrument")}</span>
          <select
            name="symbol"
            value={draft.symbol}
            onChange={(event) => {
              setDraft("symbol", event.currentTarget.value);
              setReviewing(false);
            }}
          >
            <For each={props.instruments}>
              {(item) => (
                <option value={item.symbol} selected={item.symbol === draft.symbol}>
                  {item.symbol}
                </option>
              )}
            </For>
          </select>
          <small class={shown("symbol") ? "hint hint--error" : "hint"}>
            {shown("symbol") ??
              (instrument()
                ? t("ticket.instrumentHint", {
                    tick: instrument()?.tickSize ?? "",
                    lot: instrument()?.lotSize ?? "",
                    last: formatDecimal(last()),
                  })
                : "")}
          </small>
        </label>
        <fieldset class="side">
          <legend>{t("ticket.side")}</legend>
          <For each={["BUY", "SELL"] as const}>
            {(value) => (
              <label class={`side__option side__option--${value.toLowerCase()}`}>
                <input
                  type="radio"
                  name="side"
                  value={value}
                  checked={draft.side === value}
                  onChange={() => {
                    setDraft("side", value);
                    setReviewing(false);
                  }}
                />
                <span>{sideLabel(value)}</span>
              </label>
            )}
          </For>
        </fieldset>
        <div class="field-row">
          <label class="field">
            <span>{t("ticket.type")}</span>
            <select
              name="type"
              value={draft.type}
              onChange={(event) => {
                setType(event.currentTarget.value as OrderType);
                setReviewing(false);
              }}
            >
              <For each={ORDER_TYPES}>
                {(type) => (
                  <option value={type} selected={type === draft.type}>
                    {orderTypeLabel(type)}
                  </option>
                )}
              </For>
            </select>
          </label>
          <label class="field">
            <span>{t("ticket.timeInForce")}</span>
            <select
              name="timeInForce"
              value={draft.timeInForce}
              aria-invalid={shown("timeInForce") !== undefined}
              onChange={(event) => {
                setDraft("timeInForce", event.currentTarget.value as TimeInForce);
                setReviewing(false);
              }}
            >
              <For each={allowedTimeInForce(draft.type)}>
                {(tif) => (
                  <option value={tif} selected={tif === draft.timeInForce}>
                    {timeInForceLabel(tif)}
                  </option>
                )}
              </For>
            </select>
            <Show when={shown("timeInForce")}>{(message) => <small class="hint hint--error">{message()}</small>}</Show>
          </label>
        </div>
        <NumberField
          name="quantity"
          label={t("ticket.quantity")}
          value={draft.quantity}
          placeholder={instrument() ? t("ticket.minPlaceholder", { min: instrument()?.minQuantity ?? "" }) : "0.01"}
          problem={shown("quantity")}
          hint={instrument() ? t("ticket.step", { lot: instrument()?.lotSize ?? "" }) : ""}
          onInput={(value) => edit("quantity", value)}
          onBlur={() => setTouched("quantity", draft.quantity !== "")}
        />
        <Show when={needsStopPrice(draft.type)}>
          <NumberField
            name="stopPrice"
            label={t("ticket.stopPrice")}
            value={draft.stopPrice}
            placeholder={last() ?? ""}
            problem={shown("stopPrice")}
            hint={priceHint(draft.stopPrice)}
            onInput={(value) => edit("stopPrice", value)}
            onBlur={() => setTouched("stopPrice", draft.stopPrice !== "")}
          />
        </Show>
        <Show when={needsPrice(draft.type)}>
          <NumberField
            name="price"
            label={t("ticket.limitPrice")}
            value={draft.price}
            placeholder={last() ?? ""}
            problem={shown("price")}
            hint={priceHint(draft.price)}
            onInput={(value) => edit("price", value)}
            onBlur={() => setTouched("price", draft.price !== "")}
          />
        </Show>
        <p id="ticket-note" class="muted small">
          <Show when={estimate()} fallback={t("ticket.valueLater")}>
            {(value) => (
              <>
                ≈ {formatMoney(value(), instrument()?.quote)} {instrument()?.quote}
                {needsPrice(draft.type) ? "" : t("ticket.atLast")}
              </>
            )}
          </Show>
        </p>
        <Show when={props.canTrade !== false} fallback={<p class="message">{t("ticket.viewOnly")}</p>}>
          <Show when={props.offline}>
            <p class="message message--error">{t("ticket.offline")}</p>
          </Show>
          <button
            type="submit"
            class={`button button--${draft.side === "BUY" ? "buy" : "sell"}`}
            disabled={props.instruments.length === 0 || reviewing() || props.offline === true}
          >
            {t(draft.side === "BUY" ? "ticket.review.BUY" : "ticket.review.SELL")}
          </button>
        </Show>
      </form>
      <Show when={reviewing()}>
        <fieldset class="confirm" aria-labelledby="confirm-title">
          <h3 id="confirm-title">{t("ticket.confirmTitle")}</h3>
          <p class="confirm__summary" data-testid="order-summary">
            {sideLabel(draft.side)} {formatDecimal(draft.quantity.trim())} {draft.symbol} · {orderTypeLabel(draft.type)}
            <Show when={needsStopPrice(draft.type)}>
              {t("ticket.stopPart", { price: formatDecimal(draft.stopPrice.trim()) })}
            </Show>
            <Show when={needsPrice(draft.type)}>
              {t("ticket.limitPart", { price: formatDecimal(draft.price.trim()) })}
            </Show>{" "}
            · {timeInForceLabel(draft.timeInForce)}
          </p>
          <div class="confirm__actions">
            <button type="button" class="button button--ghost" onClick={() => setReviewing(false)} disabled={pending()}>
              {t("ticket.back")}
            </button>
            <button
              type="button"
              ref={confirmButton}
              class={`button button--${draft.side === "BUY" ? "buy" : "sell"}`}
              onClick={() => void confirm()}
              disabled={pending() || props.offline === true}
            >
              {pending() ? t("ticket.sending") : t(draft.side === "BUY" ? "ticket.confirm.BUY" : "ticket.confirm.SELL")}
            </button>
          </div>
        </fieldset>
      </Show>
      <div aria-live="polite" class="ticket__outcome">
        <Show when={outcome()}>
          {(result) => {
            const value = result();
            if (value.kind === "refused") {
              return (
                <p class="message message--error" role="alert" data-testid="order-refused">
                  <Show when={ruleOfReason(value.order.rejectReason)}>
                    {(rule) => (
                      <span class="status status--rule" data-rule={rule()}>
                        {ruleLabel(rule())}
                      </span>
                    )}
                  </Show>
                  {t("ticket.refused", { reason: value.order.rejectReason ?? t("ticket.noReason") })}
                </p>
              );
            }
            if (value.kind === "error") {
              return (
                <p class="message message--error" role="alert">
                  {value.message}
                </p>
              );
            }
            return (
              <p class="message" data-testid="order-placed">
                {t("ticket.order")} {value.order.clientOrderId.slice(0, 8)}:{" "}
                <span class={`status status--${value.order.status.toLowerCase()}`} data-status={value.order.status}>
                  {statusLabel(value.order.status)}
                </span>
                <Show when={value.order.status === "OUTCOME_UNKNOWN"}> {t("ticket.outcomeUnknown")}</Show>
              </p>
            );
          }}
        </Show>
      </div>
    </section>
  );
}

function NumberField(props: {
  name: string;
  label: string;
  value: string;
  placeholder: string;
  problem: string | undefined;
  hint: string;
  onInput: (value: string) => void;
  onBlur: () => void;
}) {
  const hintId = `${props.name}-hint`;
  return (
    <label class="field">
      <span>{props.label}</span>
      <input
        name={props.name}
        inputmode="decimal"
        autocomplete="off"
        placeholder={props.placeholder}
        value={props.value}
        aria-invalid={props.problem !== undefined}
        aria-describedby={hintId}
        onInput={(event) => props.onInput(event.currentTarget.value)}
        onBlur={() => props.onBlur()}
      />
      <small id={hintId} class={props.problem ? "hint hint--error" : "hint"}>
        {props.problem ?? props.hint}
      </small>
    </label>
  );
}
