import { type Fill, ORDER_STATUSES, type Order } from "@jts/contracts";
import { createSignal, Show } from "solid-js";
import { messageOf } from "../lib/api.ts";
import { formatDecimal, formatNanosTime, isPositiveDecimal } from "../lib/decimal.ts";
import { type Column, DataTable } from "./data-table.tsx";
import { FormActions, SelectField, TextField } from "./form.tsx";
import { ErrorAlert } from "./message.tsx";

const typeLabel = (order: Order) => order.type.replace("_", " ").toLowerCase();

/** What a status means, where the word alone does not say it (the badge's tooltip). */
const STATUS_HINTS: Partial<Record<Order["status"], string>> = {
  OUTCOME_UNKNOWN:
    "Sent to the venue, but its answer never came. JTS is asking the venue for this order; it may be working there.",
};

const statusLabel = (status: Order["status"]) => status.replaceAll("_", " ");

function StatusBadge(props: { status: Order["status"] }) {
  return (
    <span class={`status status--${props.status.toLowerCase()}`} title={STATUS_HINTS[props.status]}>
      {statusLabel(props.status)}
    </span>
  );
}

/** The order's type, and for a stop whose trigger was reached (the OMS's STOP_TRIGGERED alert), a mark saying so. */
function TypeCell(props: { order: Order; triggered?: ReadonlySet<string> }) {
  return (
    <td class="hide-narrow">
      {typeLabel(props.order)}
      <Show when={props.triggered?.has(props.order.id)}>
        <span class="status status--triggered">stop triggered</span>
      </Show>
    </td>
  );
}

const STATUS_CHOICES = [
  { value: "", label: "All statuses" },
  ...ORDER_STATUSES.map((status) => ({ value: status, label: statusLabel(status).toLowerCase() })),
];

/** Time, symbol, side, type, quantity, filled, a price and the status: what open and past orders share. */
const orderColumns = (time: string, price: string): Column[] => [
  { title: time, class: "hide-narrow" },
  { title: "Symbol" },
  { title: "Side" },
  { title: "Type", class: "hide-narrow" },
  { title: "Qty", class: "num" },
  { title: "Filled", class: "num hide-narrow" },
  { title: price, class: "num" },
  { title: "Status" },
];
const OPEN_ORDER_COLUMNS: Column[] = [...orderColumns("Time", "Price"), { title: "" }];
const HISTORY_COLUMNS = orderColumns("Updated", "Avg price");
const FILL_COLUMNS: Column[] = [
  { title: "Time", class: "hide-narrow" },
  { title: "Symbol" },
  { title: "Side" },
  { title: "Qty", class: "num" },
  { title: "Price", class: "num" },
  { title: "Fee", class: "num" },
  { title: "Liquidity", class: "hide-narrow" },
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

  const run = async (key: string, action: () => Promise<unknown>) => {
    setBusy((set) => new Set(set).add(key));
    setError(null);
    try {
      await action();
    } catch (caught) {
      setError(messageOf(caught, "Request failed"));
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
          Open orders <span class="count">{props.orders.length}</span>
        </h2>
        <Show when={props.canTrade !== false && props.orders.length > 0}>
          <Show
            when={confirmAll()}
            fallback={
              <button type="button" class="button button--ghost button--small" onClick={() => setConfirmAll(true)}>
                Cancel all
              </button>
            }
          >
            <fieldset class="inline-confirm" aria-label="Confirm cancel all">
              <span>Cancel {props.orders.length}?</span>
              <button
                type="button"
                class="button button--sell button--small"
                disabled={busy().has("*")}
                onClick={() => void run("*", props.cancelAll).then(() => setConfirmAll(false))}
              >
                Yes, cancel all
              </button>
              <button type="button" class="button button--ghost button--small" onClick={() => setConfirmAll(false)}>
                Keep
              </button>
            </fieldset>
          </Show>
        </Show>
      </div>
      <ErrorAlert text={error()} />
      <DataTable label="Open orders" columns={OPEN_ORDER_COLUMNS} rows={props.orders} empty="No open orders">
        {(order) => (
          <tr data-order-id={order.id}>
            <td class="muted hide-narrow">{formatNanosTime(order.createdAt)}</td>
            <th scope="row">{order.symbol}</th>
            <td class={`side-text side-text--${order.side.toLowerCase()}`}>{order.side}</td>
            <TypeCell order={order} triggered={props.triggered} />
            <td class="num">{formatDecimal(order.quantity)}</td>
            <td class="num hide-narrow">{formatDecimal(order.filledQuantity)}</td>
            <td class="num">{formatDecimal(order.price ?? order.stopPrice)}</td>
            <td>
              <StatusBadge status={order.status} />
            </td>
            <td>
              <Show when={props.canTrade !== false}>
                <button
                  type="button"
                  class="button button--ghost button--small"
                  aria-label={`Cancel ${order.side.toLowerCase()} ${order.quantity} ${order.symbol}`}
                  disabled={busy().has(order.id)}
                  onClick={() => void run(order.id, () => props.cancel(order))}
                >
                  {busy().has(order.id) ? "Canceling…" : "Cancel"}
                </button>
                <Show when={props.amend && order.type !== "MARKET"}>
                  <button
                    type="button"
                    class="button button--ghost button--small"
                    aria-label={`Amend ${order.side.toLowerCase()} ${order.quantity} ${order.symbol}`}
                    onClick={() => setAmending(order)}
                  >
                    Amend
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
        setProblem(
          `${name === "stopPrice" ? "Stop price" : name === "price" ? "Price" : "Quantity"} must be a positive number`,
        );
        return;
      }
      if (value.trim() !== before) changes[name] = value.trim();
    }
    if (Object.keys(changes).length === 0) {
      setProblem("Nothing changed");
      return;
    }
    setProblem(null);
    props.onSave(changes);
  };

  return (
    <form class="confirm" onSubmit={submit} aria-labelledby="amend-title" novalidate>
      <h3 id="amend-title">
        Amend {props.order.side.toLowerCase()} {props.order.symbol}
      </h3>
      <div class="field-row">
        <TextField label="Quantity" name="amendQuantity" inputmode="decimal" value={quantity()} onValue={setQuantity} />
        <Show when={props.order.price !== null}>
          <TextField label="Limit price" name="amendPrice" inputmode="decimal" value={price()} onValue={setPrice} />
        </Show>
        <Show when={props.order.stopPrice !== null}>
          <TextField
            label="Stop price"
            name="amendStopPrice"
            inputmode="decimal"
            value={stopPrice()}
            onValue={setStopPrice}
          />
        </Show>
      </div>
      <ErrorAlert text={problem()} />
      <FormActions submit="Replace order" onBack={props.onCancel} />
    </form>
  );
}

/** Every order this user may see, newest first, with why a refused one was refused; filtered by status. */
export function OrderHistory(props: { orders: Order[]; limit?: number; triggered?: ReadonlySet<string> }) {
  const [status, setStatus] = createSignal("");
  const shown = () =>
    props.orders.filter((order) => status() === "" || order.status === status()).slice(0, props.limit ?? 100);
  return (
    <section class="panel" aria-labelledby="history-title">
      <div class="panel__head">
        <h2 id="history-title">Order history</h2>
        <SelectField
          label="Status"
          name="historyStatus"
          choices={STATUS_CHOICES}
          selected={status()}
          onValue={setStatus}
        />
      </div>
      <DataTable label="Order history" columns={HISTORY_COLUMNS} rows={shown()} empty="No orders yet">
        {(order) => (
          <tr data-order-id={order.id}>
            <td class="muted hide-narrow">{formatNanosTime(order.updatedAt)}</td>
            <th scope="row">{order.symbol}</th>
            <td class={`side-text side-text--${order.side.toLowerCase()}`}>{order.side}</td>
            <TypeCell order={order} triggered={props.triggered} />
            <td class="num">{formatDecimal(order.quantity)}</td>
            <td class="num hide-narrow">{formatDecimal(order.filledQuantity)}</td>
            <td class="num">{formatDecimal(order.averagePrice)}</td>
            <td>
              <StatusBadge status={order.status} />
              <Show when={order.rejectReason}>{(reason) => <div class="reason">{reason()}</div>}</Show>
            </td>
          </tr>
        )}
      </DataTable>
    </section>
  );
}

export function FillsTable(props: { fills: Fill[]; limit?: number }) {
  const shown = () => props.fills.slice(0, props.limit ?? 100);
  return (
    <section class="panel" aria-labelledby="fills-title">
      <h2 id="fills-title">Fills</h2>
      <DataTable label="Fills" columns={FILL_COLUMNS} rows={shown()} empty="No fills yet">
        {(fill) => (
          <tr data-fill-id={fill.id}>
            <td class="muted hide-narrow">{formatNanosTime(fill.tsEvent)}</td>
            <th scope="row">{fill.symbol}</th>
            <td class={`side-text side-text--${fill.side.toLowerCase()}`}>{fill.side}</td>
            <td class="num">{formatDecimal(fill.quantity)}</td>
            <td class="num">{formatDecimal(fill.price)}</td>
            <td class="num">
              {formatDecimal(fill.fee)} {fill.feeCurrency}
            </td>
            <td class="hide-narrow">{fill.liquidity.toLowerCase()}</td>
          </tr>
        )}
      </DataTable>
    </section>
  );
}
