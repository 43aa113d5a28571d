import type { Order } from "@jts/contracts";
import { createEffect, createSignal, For, on, onCleanup, Show } from "solid-js";
import { createStore } from "solid-js/store";
import { ApiError, getOrders } from "../lib/api.ts";
import { compareNanos, formatDecimal, formatNanosTime } from "../lib/decimal.ts";
import type { LiveConnection } from "../lib/ws.ts";
import { EmptyRow } from "./empty-row.tsx";

const SHOWN = 8;

export interface OrderFeed {
  /** Newest first, at most SHOWN. */
  recent: () => Order[];
  error: () => string | null;
  upsert: (order: Order) => void;
}

/** Orders from GET /api/orders, then kept current by the `orders` channel, keyed by order id. */
export function createOrderFeed(live: LiveConnection): OrderFeed {
  const [orders, setOrders] = createStore<Record<string, Order>>({});
  const [error, setError] = createSignal<string | null>(null);

  const upsert = (order: Order) => {
    const current = orders[order.id];
    if (current && compareNanos(order.updatedAt, current.updatedAt) < 0) return;
    setOrders(order.id, order);
  };

  const load = async () => {
    try {
      for (const order of await getOrders()) upsert(order);
      setError(null);
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : "Could not load orders");
    }
  };

  void load();
  createEffect(on(live.epoch, () => void load(), { defer: true }));
  onCleanup(live.subscribe("orders", (data) => upsert(data as Order)));

  const recent = () =>
    Object.values(orders)
      .sort((a, b) => compareNanos(b.updatedAt, a.updatedAt))
      .slice(0, SHOWN);

  return { recent, error, upsert };
}

export function RecentOrders(props: { feed: OrderFeed }) {
  return (
    <section class="panel panel--wide" aria-labelledby="orders-title">
      <h2 id="orders-title">Recent orders</h2>
      <Show when={props.feed.error()}>{(message) => <p class="message message--error">{message()}</p>}</Show>
      <section class="table-scroll" aria-labelledby="orders-title" tabindex="0">
        <table>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Symbol</th>
              <th scope="col">Side</th>
              <th scope="col" class="num">
                Qty
              </th>
              <th scope="col" class="num">
                Filled
              </th>
              <th scope="col" class="num">
                Avg price
              </th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            <For each={props.feed.recent()} fallback={<EmptyRow columns={7} text="No orders yet" />}>
              {(order) => (
                <tr>
                  <td class="muted">{formatNanosTime(order.updatedAt)}</td>
                  <th scope="row">{order.symbol}</th>
                  <td class={order.side === "BUY" ? "gain" : "loss"}>{order.side}</td>
                  <td class="num">{formatDecimal(order.quantity)}</td>
                  <td class="num">{formatDecimal(order.filledQuantity)}</td>
                  <td class="num">{formatDecimal(order.averagePrice)}</td>
                  <td>
                    <span class={`status status--${order.status.toLowerCase()}`}>{order.status}</span>
                    <Show when={order.rejectReason}>{(reason) => <span class="reason">{reason()}</span>}</Show>
                  </td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </section>
    </section>
  );
}
