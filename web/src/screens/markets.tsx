import { createSignal } from "solid-js";
import { CandleChart } from "../components/candle-chart.tsx";
import { OrderTicket } from "../components/order-ticket.tsx";
import { Watchlist } from "../components/watchlist.tsx";
import { placeOrder } from "../lib/api.ts";
import type { TradingStore } from "../lib/store.ts";

const SELECTED_KEY = "jts.symbol";

/** Watchlist, chart and ticket: the desk's main screen. */
export function MarketsScreen(props: { store: TradingStore; canTrade: boolean }) {
  const [selected, setSelected] = createSignal(localStorage.getItem(SELECTED_KEY) ?? "");
  const symbol = () => {
    const rows = props.store.priceRows();
    return rows.some((r) => r.symbol === selected()) ? selected() : (rows[0]?.symbol ?? "");
  };
  const select = (next: string) => {
    localStorage.setItem(SELECTED_KEY, next);
    setSelected(next);
  };

  return (
    <div class="screen screen--markets">
      <Watchlist rows={props.store.priceRows()} selected={symbol()} onSelect={select} />
      <CandleChart
        symbol={symbol()}
        live={props.store.live}
        fills={props.store.fills()}
        openOrders={props.store.openOrders()}
      />
      <OrderTicket
        instruments={props.store.instruments()}
        symbol={symbol()}
        lastPrice={(s) => props.store.prices[s]?.price ?? null}
        place={placeOrder}
        onPlaced={props.store.upsertOrder}
        canTrade={props.canTrade}
        offline={props.store.live.state() === "offline"}
      />
    </div>
  );
}
