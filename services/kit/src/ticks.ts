/** The tick rules live in the contracts, so the PWA's ticket applies them too; the kit re-exports them. */
export {
  KRX_STOCK_TICKS,
  type TickSpec,
  type TickTable,
  tickAt,
  tickSizeAt,
  tickSpecOf,
  tickTableFor,
  UPBIT_KRW_TICKS,
} from "@jts/contracts";
