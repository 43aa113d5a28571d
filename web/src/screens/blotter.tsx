import type { Order } from "@jts/contracts";
import { FillsTable, OpenOrders, type OrderChanges, OrderHistory } from "../components/blotter.tsx";
import { amendOrder, cancelAllOrders, cancelOrder, NotAvailableError } from "../lib/api.ts";
import type { TradingStore } from "../lib/store.ts";

/** Open orders first (they need action), then history and fills. */
export function BlotterScreen(props: { store: TradingStore; canTrade: boolean }) {
  const cancel = async (id: string) => props.store.upsertOrder(await cancelOrder(id));

  const amend = async (order: Order, changes: OrderChanges) => {
    try {
      props.store.upsertOrder(await amendOrder(order.id, changes));
    } catch (error) {
      if (error instanceof NotAvailableError) throw new Error("Amending orders is not available on this gateway yet.");
      throw error;
    }
  };

  const cancelAll = async () => {
    try {
      const { canceled } = await cancelAllOrders({});
      for (const order of canceled) props.store.upsertOrder(order);
    } catch (error) {
      // A gateway without the cancel-all route: cancel each open order, and report the first failure.
      if (!(error instanceof NotAvailableError)) throw error;
      const results = await Promise.allSettled(props.store.openOrders().map((order) => cancel(order.id)));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed) throw failed.reason;
    }
  };

  return (
    <div class="screen screen--blotter">
      <OpenOrders
        orders={props.store.openOrders()}
        cancel={(order) => cancel(order.id)}
        cancelAll={cancelAll}
        amend={amend}
        canTrade={props.canTrade}
      />
      <OrderHistory orders={props.store.orders()} />
      <FillsTable fills={props.store.fills()} />
    </div>
  );
}
