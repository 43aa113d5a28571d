import {
  RiskCheckRequest as CheckRequest,
  RiskLimits,
  RiskLimitsQuery,
  SetRiskLimitsRequest,
  SetRiskStateRequest,
} from "@jts/contracts";

export { CheckRequest, RiskLimits, RiskLimitsQuery, SetRiskLimitsRequest, SetRiskStateRequest };
