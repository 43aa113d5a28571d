/**
 * KIS answers errors as `{rt_cd: "1", msg_cd, msg1}`, often with HTTP 500.
 * The class says what the caller may do: retry after backing off, or not.
 */
export type KisErrorClass = "retryable" | "non-retryable" | "auth";

/** EGW00201: more transactions per second than allowed. */
export const RATE_LIMIT_CODE = "EGW00201";
/** EGW00133: a token was already issued in the last minute. */
export const TOKEN_THROTTLED_CODE = "EGW00133";
/** EGW00123: the access token expired; EGW00121: the token is invalid. */
const AUTH_CODES = new Set(["EGW00123", "EGW00121"]);

export class KisError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly kind: KisErrorClass,
  ) {
    super(`KIS ${code}: ${message}`);
    this.name = "KisError";
  }
}

export function classify(status: number, code: string): KisErrorClass {
  if (status === 429 || code === RATE_LIMIT_CODE || code === TOKEN_THROTTLED_CODE || status >= 502) return "retryable";
  if (status === 401 || AUTH_CODES.has(code)) return "auth";
  return "non-retryable";
}
