import { Order, RiskLimits, TradingState } from "@jts/contracts";
import { t } from "elysia";

export const SetStateBody = t.Object({
  state: TradingState,
  reason: t.Optional(t.String({ maxLength: 200 })),
  changedBy: t.Optional(t.String({ maxLength: 64 })),
});
export type SetStateBody = typeof SetStateBody.static;

export const CheckRequest = t.Object({ order: Order });
export { RiskLimits };
