import { type Fill, type Instrument, ORDER_STATUSES, type Order } from "@jts/contracts";
import { createSignal, Show } from "solid-js";
import { messageOf } from "../lib/api.ts";
import { formatMoney, isPositiveDecimal } from "../lib/decimal.ts";
import { rowFormats } from "../lib/format.ts";
import { t } from "../lib/i18n.ts";
import { orderTypeLabel, ruleLabel, ruleOfReason, sideLabel, statusLabel } from "../lib/labels.ts";
import { type Column, DataTable } from "./data-table.tsx";
import { FormActions, SelectField, TextField } from "./form.tsx";
import { ErrorAlert } from "./message.tsx";

/** What a status means, where the word alone does not say it (the badge's tooltip). */
const statusHint = (status: Order["status"]) =>
  status === "OUTCOME_UNKNOWN" ? t("status.hint.OUTCOME_UNKNOWN") : undefined;

function StatusBadge(props: { status: Order["status"] }) {
  return (
    <span class={`status status--${props.status.toLowerCase()}`} title={statusHint(props.status)}>
      {statusLabel(props.status)}
    </span>
  );
}

/** Why an order was refused: the server's words verbatim, after risk's rule (when it names one) in the trader's language. */
export function RefusalReason(props: { reason: string }) {
  const rule = () => ruleOfReason(props.reason);
  return (
    <div class="reason">
      <Show when={rule()}>
        {(code) => (
          <span class="status status--rule" data-rule={code()} title={t("blotter.ruleTitle", { rule: code() })}>
            {ruleLabel(code())}
          </span>
        )}
      </Show>
      {props.reason}
    </div>
  );
}

function SideCell(props: { side: Order["side"] }) {
  return <td class={`side-text side-text--${props.side.toLowerCase()}`}>{sideLabel(props.side)}</td>;
}

/** The order's type, and for a stop whose trigger was reached (the OMS's STOP_TRIGGERED alert), a mark saying so. */
function TypeCell(props: { order: Order; triggered?: ReadonlySet<string> }) {
  return (
    <td class="hide-narrow">
      {orderTypeLabel(props.order.type)}
      <Show when={props.triggered?.has(props.order.id)}>
        <span class="status status--triggered">{t("blotter.stopTriggered")}</span>
      </Show>
    </td>
  );
}

const statusChoices = () => [
  { value: "", label: t("blotter.allStatuses") },
  ...ORDER_STATUSES.map((status) => ({ value: status, label: statusLabel(status) })),
];

/** Time, symbol, side, type, quantity, filled, a price and the status: what open and past orders share. */
const orderColumns = (time: string, price: string): Column[] => [
  { title: time, class: "hide-narrow" },
  { title: t("col.symbol") },
  { title: t("col.side") },
  { title: t("col.type"), class: "hide-narrow" },
  { title: t("col.quantity"), class: "num" },
  { title: t("col.filled"), class: "num hide-narrow" },
  { title: price, class: "num" },
  { title: t("col.status") },
];
const openOrderColumns = (): Column[] => [...orderColumns(t("col.time"), t("col.price")), { title: "" }];
const historyColumns = () => orderColumns(t("col.updated"), t("col.avgFillPrice"));
const fillColumns = (): Column[] => [
  { title: t("col.time"), class: "hide-narrow" },
  { title: t("col.symbol") },
  { title: t("col.side") },
  { title: t("col.fillQuantity"), class: "num" },
  { title: t("col.fillPrice"), class: "num" },
  { title: t("col.fee"), class: "num" },
  { title: t("col.liquidity"), class: "hide-narrow" },
];

export interface OpenOrdersProps {
  orders: Order[];
  cancel: (order: Order) => Promise<unknown>;
  cancelAll: () => Promise<unknown>;
  /** Cancel-replace with a new quantity or price; left out, rows offer no amend. */
  amend?: (order: Order, changes: OrderChanges) => Promise<unknown>;
  canTrade?: boolean;
  /** Ids of the stop orders whose trigger was reached. */
  triggered?: ReadonlySet<string>;
  /** For quantities at lot precision, prices at tick precision and KRX times in KST. */
  instruments?: readonly Instrument[];
}

export interface OrderChanges {
  quantity?: string;
  price?: string;
  stopPrice?: string;
}

/** Working orders with a cancel per row and a cancel-all that asks first. */
export function OpenOrders(props: OpenOrdersProps) {
  const [busy, setBusy] = createSignal<Set<string>>(new Set());
  const [confirmAll, setConfirmAll] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const [amending, setAmending] = createSignal<Order | null>(null);
  const format = rowFormats(() => props.instruments);

  const run = async (key: string, action: () => Promise<unknown>) => {
    setBusy((set) => new Set(set).add(key));
    setError(null);
    try {
      await action();
    } catch (caught) {
      setError(messageOf(caught, t("common.requestFailed")));
    } finally {
      setBusy((set) => {
        const next = new Set(set);
        next.delete(key);
        return next;
      });
    }
  };

  return (
    <section class="panel" aria-labelledby="open-orders-title">
      <div class="panel__head">
        <h2 id="open-orders-title">
          {t("blotter.open")} <span class="count">{props.orders.length}</span>
        </h2>
        <Show when={props.canTrade !== false && props.orders.length > 0}>
          <Show
            when={confirmAll()}
            fallback={
              <button type="button" class="button button--ghost button--small" onClick={() => setConfirmAll(true)}>
                {t("blotter.cancelAll")}
              </button>
            }
          >
            <fieldset class="inline-confirm" aria-label={t("blotter.confirmCancelAll")}>
              <span>{t("blotter.cancelCount", { count: props.orders.length })}</span>
              <button
                type="button"
                class="button button--sell button--small"
                disabled={busy().has("*")}
                onClick={() => void run("*", props.cancelAll).then(() => setConfirmAll(false))}
              >
                {t("blotter.yesCancelAll")}
              </button>
              <button type="button" class="button button--ghost button--small" onClick={() => setConfirmAll(false)}>
                {t("blotter.keep")}
              </button>
            </fieldset>
          </Show>
        </Show>
      </div>
      <ErrorAlert text={error()} />
      <DataTable label={t("blotter.open")} columns={openOrderColumns()} rows={props.orders} empty={t("blotter.noOpen")}>
        {(order) => (
          <tr data-order-id={order.id}>
            <td class="muted hide-narrow">{format.time(order.symbol, order.createdAt)}</td>
            <th scope="row">{order.symbol}</th>
            <SideCell side={order.side} />
            <TypeCell order={order} triggered={props.triggered} />
            <td class="num">{format.quantity(order.symbol, order.quantity)}</td>
            <td class="num hide-narrow">{format.quantity(order.symbol, order.filledQuantity)}</td>
            <td class="num">{format.price(order.symbol, order.price ?? order.stopPrice)}</td>
            <td>
              <StatusBadge status={order.status} />
            </td>
            <td>
              <Show when={props.canTrade !== false}>
                <button
                  type="button"
                  class="button button--ghost button--small"
                  aria-label={t("blotter.cancelLabel", {
                    side: sideLabel(order.side).toLowerCase(),
                    quantity: order.quantity,
                    symbol: order.symbol,
                  })}
                  disabled={busy().has(order.id)}
                  onClick={() => void run(order.id, () => props.cancel(order))}
                >
                  {busy().has(order.id) ? t("blotter.canceling") : t("blotter.cancel")}
                </button>
                <Show when={props.amend && order.type !== "MARKET"}>
                  <button
                    type="button"
                    class="button button--ghost button--small"
                    aria-label={t("blotter.amendLabel", {
                      side: sideLabel(order.side).toLowerCase(),
                      quantity: order.quantity,
                      symbol: order.symbol,
                    })}
                    onClick={() => setAmending(order)}
                  >
                    {t("blotter.amend")}
                  </button>
                </Show>
              </Show>
            </td>
          </tr>
        )}
      </DataTable>
      <Show when={amending()}>
        {(order) => (
          <AmendForm
            order={order()}
            onCancel={() => setAmending(null)}
            onSave={(changes) =>
              run(order().id, async () => {
                await props.amend?.(order(), changes);
                setAmending(null);
              })
            }
          />
        )}
      </Show>
    </section>
  );
}

/** New quantity and price for a resting order; only what changed is sent. */
function AmendForm(props: { order: Order; onSave: (changes: OrderChanges) => void; onCancel: () => void }) {
  const [quantity, setQuantity] = createSignal(props.order.quantity);
  const [price, setPrice] = createSignal(props.order.price ?? "");
  const [stopPrice, setStopPrice] = createSignal(props.order.stopPrice ?? "");
  const [problem, setProblem] = createSignal<string | null>(null);

  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    const changes: OrderChanges = {};
    const fields = [
      ["quantity", quantity(), props.order.quantity],
      ["price", price(), props.order.price],
      ["stopPrice", stopPrice(), props.order.stopPrice],
    ] as const;
    for (const [name, value, before] of fields) {
      if (before === null) continue;
      if (!isPositiveDecimal(value.trim())) {
        const field = t(name === "stopPrice" ? "ticket.stopPrice" : name === "price" ? "col.price" : "ticket.quantity");
        setProblem(t("blotter.notPositive", { field }));
        return;
      }
      if (value.trim() !== before) changes[name] = value.trim();
    }
    if (Object.keys(changes).length === 0) {
      setProblem(t("blotter.nothingChanged"));
      return;
    }
    setProblem(null);
    props.onSave(changes);
  };

  return (
    <form class="confirm" onSubmit={submit} aria-labelledby="amend-title" novalidate>
      <h3 id="amend-title">
        {t("blotter.amendTitle", { side: sideLabel(props.order.side).toLowerCase(), symbol: props.order.symbol })}
      </h3>
      <div class="field-row">
        <TextField
          label={t("ticket.quantity")}
          name="amendQuantity"
          inputmode="decimal"
          value={quantity()}
          onValue={setQuantity}
        />
        <Show when={props.order.price !== null}>
          <TextField
            label={t("ticket.limitPrice")}
            name="amendPrice"
            inputmode="decimal"
            value={price()}
            onValue={setPrice}
          />
        </Show>
        <Show when={props.order.stopPrice !== null}>
          <TextField
            label={t("ticket.stopPrice")}
            name="amendStopPrice"
            inputmode="decimal"
            value={stopPrice()}
            onValue={setStopPrice}
          />
        </Show>
      </div>
      <ErrorAlert text={problem()} />
      <FormActions submit={t("blotter.replace")} onBack={props.onCancel} />
    </form>
  );
}

/** Every order this user may see, newest first, with why a refused one was refused; filtered by status. */
export function OrderHistory(props: {
  orders: Order[];
  limit?: number;
  triggered?: ReadonlySet<string>;
  instruments?: readonly Instrument[];
}) {
  const [status, setStatus] = createSignal("");
  const format = rowFormats(() => props.instruments);
  const shown = () =>
    props.orders.filter((order) => status() === "" || order.status === status()).slice(0, props.limit ?? 100);
  return (
    <section class="panel" aria-labelledby="history-title">
      <div class="panel__head">
        <h2 id="history-title">{t("blotter.history")}</h2>
        <SelectField
          label={t("col.status")}
          name="historyStatus"
          choices={statusChoices()}
          selected={status()}
          onValue={setStatus}
        />
      </div>
      <DataTable label={t("blotter.history")} columns={historyColumns()} rows={shown()} empty={t("blotter.noOrders")}>
        {(order) => (
          <tr data-order-id={order.id}>
            <td class="muted hide-narrow">{format.time(order.symbol, order.updatedAt)}</td>
            <th scope="row">{order.symbol}</th>
            <SideCell side={order.side} />
            <TypeCell order={order} triggered={props.triggered} />
            <td class="num">{format.quantity(order.symbol, order.quantity)}</td>
            <td class="num hide-narrow">{format.quantity(order.symbol, order.filledQuantity)}</td>
            <td class="num">{format.price(order.symbol, order.averagePrice)}</td>
            <td>
              <StatusBadge status={order.status} />
              <Show when={order.rejectReason}>{(reason) => <RefusalReason reason={reason()} />}</Show>
            </td>
          </tr>
        )}
      </DataTable>
    </section>
  );
}

export function FillsTable(props: { fills: Fill[]; limit?: number; instruments?: readonly Instrument[] }) {
  const shown = () => props.fills.slice(0, props.limit ?? 100);
  const format = rowFormats(() => props.instruments);
  return (
    <section class="panel" aria-labelledby="fills-title">
      <h2 id="fills-title">{t("blotter.fills")}</h2>
      <DataTable label={t("blotter.fills")} columns={fillColumns()} rows={shown()} empty={t("blotter.noFills")}>
        {(fill) => (
          <tr data-fill-id={fill.id}>
            <td class="muted hide-narrow">{format.time(fill.symbol, fill.tsEvent)}</td>
            <th scope="row">{fill.symbol}</th>
            <SideCell side={fill.side} />
            <td class="num">{format.quantity(fill.symbol, fill.quantity)}</td>
            <td class="num">{format.price(fill.symbol, fill.price)}</td>
            <td class="num">
              {formatMoney(fill.fee, fill.feeCurrency)} {fill.feeCurrency}
            </td>
            <td class="hide-narrow">{t(fill.liquidity === "MAKER" ? "liquidity.MAKER" : "liquidity.TAKER")}</td>
          </tr>
        )}
      </DataTable>
    </section>
  );
}
