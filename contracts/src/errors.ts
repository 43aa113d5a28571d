import { type Static, Type as t } from "@sinclair/typebox";

/** The one error shape every HTTP answer and rpc reply uses. */
export const ErrorBody = t.Object({
  error: t.Object({
    code: t.String(),
    message: t.String(),
    details: t.Optional(t.Unknown()),
  }),
});
export type ErrorBody = Static<typeof ErrorBody>;

/** Codes and the HTTP status each maps to. */
export const ErrorCodes = {
  VALIDATION: 422,
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  /** A service port refused a Host it does not answer for (DNS rebinding). */
  MISDIRECTED: 421,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  TIMEOUT: 504,
} as const;
export type ErrorCode = keyof typeof ErrorCodes;
