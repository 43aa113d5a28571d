import { VenueError, type VenueErrorKind } from "@jts/broker-kit";

/** KIS's broker name, venue and the prefix of its VenueErrors. */
export const KIS_VENUE = "kis";

/** EGW00201: more transactions per second than allowed. */
export const RATE_LIMIT_CODE = "EGW00201";
/** EGW00133: a token was already issued in the last minute. */
export const TOKEN_THROTTLED_CODE = "EGW00133";
/** EGW00123: the access token expired; EGW00121: the token is invalid. */
export const AUTH_CODES: ReadonlySet<string> = new Set(["EGW00123", "EGW00121"]);

interface KisErrorBody {
  rt_cd?: string;
  msg_cd?: string;
  msg1?: string;
  /** The oauth2 endpoints answer in this shape instead. */
  error_code?: string;
  error_description?: string;
}

/**
 * KIS answers errors as `{rt_cd: "1", msg_cd, msg1}` (oauth2: `{error_code,
 * error_description}`), mostly with HTTP 500. The kind says what the caller
 * may do: EGW00201 is a rate-limit refusal (paused and retried like a 429),
 * EGW00133 a token throttle to wait out, any other coded answer below 502 a
 * refusal (nothing was done); 502+ keeps the kit's reading by status.
 */
export function kisErrorOf(status: number, body: unknown): { code?: string; message: string; kind?: VenueErrorKind } {
  const error = typeof body === "object" && body !== null ? (body as KisErrorBody) : {};
  const code = error.msg_cd ?? error.error_code;
  const message = `${code ?? `HTTP${status}`}: ${error.msg1 ?? error.error_description ?? `HTTP ${status}`}`;
  if (code === RATE_LIMIT_CODE) return { code, message, kind: "rate-limited" };
  if (code === TOKEN_THROTTLED_CODE) return { code, message, kind: "unavailable" };
  if (code !== undefined && status < 502) return { code, message, kind: "rejected" };
  return { code, message };
}

/** KIS refuses business requests (a quantity it cannot take) with HTTP 200 and rt_cd "1". */
export function refusalOf(status: number, body: unknown): VenueError {
  const { code, message } = kisErrorOf(status, body);
  return new VenueError(KIS_VENUE, "rejected", message, { status, code });
}

export function isAuthError(error: unknown): error is VenueError {
  return error instanceof VenueError && AUTH_CODES.has(String(error.details.code));
}
