import { Id, OrderRequest, OrderStatus, SymbolCode } from "@jts/contracts";
import { t } from "elysia";

export const ListOrdersQuery = t.Object({
  status: t.Optional(OrderStatus),
  symbol: t.Optional(SymbolCode),
  accounts: t.Optional(t.Array(Id)),
});

export const OrderIdRequest = t.Object({ orderId: Id, accounts: t.Optional(t.Array(Id)) });
export type OrderIdRequest = typeof OrderIdRequest.static;

export const FillsQuery = t.Object({ accounts: t.Optional(t.Array(Id)) });

export { OrderRequest };
