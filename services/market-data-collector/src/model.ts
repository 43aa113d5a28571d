import { CandleInterval, Nanos, SymbolCode } from "@jts/contracts";
import { t } from "elysia";

export const CandleQuery = t.Object({
  symbol: SymbolCode,
  interval: t.Optional(CandleInterval),
  from: t.Optional(Nanos),
  to: t.Optional(Nanos),
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 5000 })),
});
export type CandleQuery = typeof CandleQuery.static;
