import type { Order } from "@jts/contracts";
import { FillsTable, OpenOrders, type OrderChanges, OrderHistory } from "../components/blotter.tsx";
import { amendOrder, cancelAllOrders, cancelOrder } from "../lib/api.ts";
import type { TradingStore } from "../lib/store.ts";

/** Open orders first (they need action), then history and fills. */
export function BlotterScreen(props: { store: TradingStore; canTrade: boolean }) {
  const cancel = async (id: string) => props.store.upsertOrder(await cancelOrder(id));

  const amend = async (order: Order, changes: OrderChanges) =>
    props.store.upsertOrder(await amendOrder(order.id, changes));

  const cancelAll = async () => {
    const { canceled } = await cancelAllOrders({});
    for (const order of canceled) props.store.upsertOrder(order);
  };

  return (
    <div class="screen screen--blotter">
      <OpenOrders
        orders={props.store.openOrders()}
        cancel={(order) => cancel(order.id)}
        cancelAll={cancelAll}
        amend={amend}
        canTrade={props.canTrade}
        triggered={props.store.triggeredStops()}
        instruments={props.store.instruments()}
      />
      <OrderHistory
        orders={props.store.orders()}
        triggered={props.store.triggeredStops()}
        instruments={props.store.instruments()}
      />
      <FillsTable fills={props.store.fills()} instruments={props.store.instruments()} />
    </div>
  );
}
