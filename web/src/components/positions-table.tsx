import type { Position } from "@jts/contracts";
import { createEffect, createSignal, For, on, onCleanup, Show } from "solid-js";
import { createStore } from "solid-js/store";
import { ApiError, getPositions } from "../lib/api.ts";
import { compareNanos, formatDecimal, signOf } from "../lib/decimal.ts";
import type { LiveConnection } from "../lib/ws.ts";
import { EmptyRow } from "./empty-row.tsx";

const keyOf = (position: Position) => `${position.account}:${position.symbol}`;

const signClass = (value: string) => {
  const sign = signOf(value);
  return sign > 0 ? "gain" : sign < 0 ? "loss" : "";
};

export function PositionsTable(props: { live: LiveConnection }) {
  const [positions, setPositions] = createStore<Record<string, Position>>({});
  const [error, setError] = createSignal<string | null>(null);

  const upsert = (position: Position) => {
    const key = keyOf(position);
    const current = positions[key];
    if (current && compareNanos(position.updatedAt, current.updatedAt) < 0) return;
    setPositions(key, position);
  };

  const load = async () => {
    try {
      for (const position of await getPositions()) upsert(position);
      setError(null);
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : "Could not load positions");
    }
  };

  void load();
  createEffect(on(props.live.epoch, () => void load(), { defer: true }));
  onCleanup(props.live.subscribe("positions", (data) => upsert(data as Position)));

  const sorted = () =>
    Object.values(positions).sort((a, b) => a.account.localeCompare(b.account) || a.symbol.localeCompare(b.symbol));

  return (
    <section class="panel panel--wide" aria-labelledby="positions-title">
      <h2 id="positions-title">Positions</h2>
      <Show when={error()}>{(message) => <p class="message message--error">{message()}</p>}</Show>
      <section class="table-scroll" aria-labelledby="positions-title" tabindex="0">
        <table>
          <thead>
            <tr>
              <th scope="col">Account</th>
              <th scope="col">Symbol</th>
              <th scope="col" class="num">
                Qty
              </th>
              <th scope="col" class="num">
                Avg price
              </th>
              <th scope="col" class="num">
                Last
              </th>
              <th scope="col" class="num">
                Unrealized
              </th>
              <th scope="col" class="num">
                Realized
              </th>
            </tr>
          </thead>
          <tbody>
            <For each={sorted()} fallback={<EmptyRow columns={7} text="No positions" />}>
              {(position) => (
                <tr>
                  <td class="muted">{position.account}</td>
                  <th scope="row">{position.symbol}</th>
                  <td class={`num ${signClass(position.quantity)}`}>{formatDecimal(position.quantity)}</td>
                  <td class="num">{formatDecimal(position.averagePrice)}</td>
                  <td class="num">{formatDecimal(position.lastPrice)}</td>
                  <td class={`num ${signClass(position.unrealizedPnl)}`}>
                    {formatDecimal(position.unrealizedPnl)} <span class="muted">{position.currency}</span>
                  </td>
                  <td class={`num ${signClass(position.realizedPnl)}`}>
                    {formatDecimal(position.realizedPnl)} <span class="muted">{position.currency}</span>
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
