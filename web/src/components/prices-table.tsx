import type { Instrument, LastPrice, Tick } from "@jts/contracts";
import { createEffect, createSignal, For, on, onCleanup, Show, untrack } from "solid-js";
import { createStore } from "solid-js/store";
import { ApiError, getPrices } from "../lib/api.ts";
import { compareDecimal, compareNanos, formatDecimal, formatNanosTime } from "../lib/decimal.ts";
import type { LiveConnection } from "../lib/ws.ts";
import { EmptyRow } from "./empty-row.tsx";

interface PriceRow {
  symbol: string;
  venue: string;
  price: string | null;
  bid: string | null;
  ask: string | null;
  ts: string | null;
  direction: "up" | "down" | null;
}

interface PriceUpdate {
  price: string;
  ts: string;
  bid?: string | null;
  ask?: string | null;
}

const keyOf = (venue: string, symbol: string) => `${venue}:${symbol}`;

export function PricesTable(props: { instruments: Instrument[]; live: LiveConnection }) {
  const [rows, setRows] = createStore<Record<string, PriceRow>>({});
  const [error, setError] = createSignal<string | null>(null);

  const ensureRow = (venue: string, symbol: string) => {
    const key = keyOf(venue, symbol);
    if (!rows[key]) setRows(key, { symbol, venue, price: null, bid: null, ask: null, ts: null, direction: null });
    return key;
  };

  const update = (venue: string, symbol: string, next: PriceUpdate) => {
    const key = ensureRow(venue, symbol);
    const row = rows[key] as PriceRow;
    // A REST snapshot can land after a newer tick; never step back in time.
    if (row.ts !== null && compareNanos(next.ts, row.ts) < 0) return;
    const change = row.price === null ? 0 : compareDecimal(next.price, row.price);
    setRows(key, {
      price: next.price,
      ts: next.ts,
      direction: change > 0 ? "up" : change < 0 ? "down" : row.direction,
      ...(next.bid !== undefined ? { bid: next.bid } : {}),
      ...(next.ask !== undefined ? { ask: next.ask } : {}),
    });
  };

  const load = async () => {
    try {
      const prices: LastPrice[] = await getPrices();
      for (const p of prices) update(p.venue, p.symbol, { price: p.price, ts: p.ts, bid: p.bid, ask: p.ask });
      setError(null);
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : "Could not load prices");
    }
  };

  void load();
  createEffect(on(props.live.epoch, () => void load(), { defer: true }));

  // Tracks only the instrument list: reading the store here would resubscribe on every tick.
  createEffect(() => {
    const instruments = props.instruments;
    untrack(() => {
      for (const instrument of instruments) ensureRow(instrument.venue, instrument.symbol);
    });
    const symbols = [...new Set(instruments.map((instrument) => instrument.symbol))];
    const unsubscribes = symbols.map((symbol) =>
      props.live.subscribe(`ticker:${symbol}`, (data) => {
        const tick = data as Tick;
        update(tick.venue, tick.symbol, { price: tick.price, ts: tick.tsEvent });
      }),
    );
    onCleanup(() => {
      for (const unsubscribe of unsubscribes) unsubscribe();
    });
  });

  const sorted = () =>
    Object.values(rows).sort((a, b) => a.symbol.localeCompare(b.symbol) || a.venue.localeCompare(b.venue));

  return (
    <section class="panel" aria-labelledby="prices-title">
      <h2 id="prices-title">Prices</h2>
      <Show when={error()}>{(message) => <p class="message message--error">{message()}</p>}</Show>
      <section class="table-scroll" aria-labelledby="prices-title" tabindex="0">
        <table>
          <thead>
            <tr>
              <th scope="col">Symbol</th>
              <th scope="col">Venue</th>
              <th scope="col" class="num">
                Last
              </th>
              <th scope="col" class="num">
                Bid
              </th>
              <th scope="col" class="num">
                Ask
              </th>
              <th scope="col" class="num">
                Time
              </th>
            </tr>
          </thead>
          <tbody>
            <For each={sorted()} fallback={<EmptyRow columns={6} text="No instruments yet" />}>
              {(row) => (
                <tr>
                  <th scope="row">{row.symbol}</th>
                  <td>{row.venue}</td>
                  <td class={`num price${row.direction ? ` price--${row.direction}` : ""}`}>
                    {formatDecimal(row.price)}
                  </td>
                  <td class="num">{formatDecimal(row.bid)}</td>
                  <td class="num">{formatDecimal(row.ask)}</td>
                  <td class="num muted">{formatNanosTime(row.ts)}</td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </section>
    </section>
  );
}
