import { formatDecimal, formatNanosTime, percentChange } from "../lib/decimal.ts";
import { t } from "../lib/i18n.ts";
import type { PriceRow } from "../lib/store.ts";
import { type Column, DataTable } from "./data-table.tsx";

const columns = (): Column[] => [
  { title: t("watchlist.symbol") },
  { title: t("watchlist.last"), class: "num" },
  { title: t("watchlist.change"), class: "num" },
  { title: t("watchlist.bid"), class: "num wide-only" },
  { title: t("watchlist.ask"), class: "num wide-only" },
  { title: t("watchlist.time"), class: "num wide-only" },
];

/** Live prices with the change since the day's open; a row picks the chart's and ticket's instrument. */
export function Watchlist(props: { rows: PriceRow[]; selected: string; onSelect: (symbol: string) => void }) {
  return (
    <section class="panel watchlist" aria-labelledby="watchlist-title">
      <h2 id="watchlist-title">{t("watchlist.title")}</h2>
      <DataTable
        label={t("watchlist.title")}
        focusable={false}
        columns={columns()}
        rows={props.rows}
        empty={t("watchlist.empty")}
      >
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
      </DataTable>
    </section>
  );
}
