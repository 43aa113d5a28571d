import { For } from "solid-js";
import { formatDecimal, formatNanosTime, percentChange } from "../lib/decimal.ts";
import type { PriceRow } from "../lib/store.ts";
import { EmptyRow } from "./empty-row.tsx";

/** Live prices with the change since the day's open; a row picks the chart's and ticket's instrument. */
export function Watchlist(props: { rows: PriceRow[]; selected: string; onSelect: (symbol: string) => void }) {
  return (
    <section class="panel watchlist" aria-labelledby="watchlist-title">
      <h2 id="watchlist-title">Watchlist</h2>
      <section class="table-scroll" aria-label="Watchlist">
        <table>
          <thead>
            <tr>
              <th scope="col">Symbol</th>
              <th scope="col" class="num">
                Last
              </th>
              <th scope="col" class="num">
                Chg %
              </th>
              <th scope="col" class="num wide-only">
                Bid
              </th>
              <th scope="col" class="num wide-only">
                Ask
              </th>
              <th scope="col" class="num wide-only">
                Time
              </th>
            </tr>
          </thead>
          <tbody>
            <For each={props.rows} fallback={<EmptyRow columns={6} text="No instruments yet" />}>
              {(row) => {
                const change = () => percentChange(row.price, row.open);
                const trend = () => (change()?.startsWith("+") ? "up" : change()?.startsWith("-") ? "down" : "flat");
                return (
                  <tr class="selectable" aria-selected={props.selected === row.symbol} data-symbol={row.symbol}>
                    <th scope="row">
                      <button type="button" class="link" onClick={() => props.onSelect(row.symbol)}>
                        {row.symbol}
                      </button>
                    </th>
                    <td class={`num price${row.direction ? ` price--${row.direction}` : ""}`} data-testid="last-price">
                      {formatDecimal(row.price)}
                    </td>
                    <td class={`num change change--${trend()}`}>{change() ? `${change()}%` : "—"}</td>
                    <td class="num wide-only">{formatDecimal(row.bid)}</td>
                    <td class="num wide-only">{formatDecimal(row.ask)}</td>
                    <td class="num muted wide-only">{formatNanosTime(row.ts)}</td>
                  </tr>
                );
              }}
            </For>
          </tbody>
        </table>
      </section>
    </section>
  );
}
