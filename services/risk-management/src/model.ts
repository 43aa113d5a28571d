import { Order, RiskLimits, RiskLimitsQuery, SetRiskLimitsRequest, SetRiskStateRequest } from "@jts/contracts";
import { t } from "elysia";

export const CheckRequest = t.Object({ order: Order });
export { RiskLimits, RiskLimitsQuery, SetRiskLimitsRequest, SetRiskStateRequest };
