import { type ErrorBody, type ErrorCode, ErrorCodes } from "@jts/contracts";

/**
 * The one domain error. Services throw it with a contracts error code; the
 * HTTP plugin and the rpc adapters turn it into the error shape and back.
 */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "AppError";
    this.status = ErrorCodes[code];
  }

  toBody(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }

  static fromBody(body: ErrorBody): AppError {
    const code = (body.error.code in ErrorCodes ? body.error.code : "INTERNAL") as ErrorCode;
    return new AppError(code, body.error.message, body.error.details);
  }
}

export const notFound = (what: string) => new AppError("NOT_FOUND", `${what} not found`);
export const badRequest = (message: string, details?: unknown) => new AppError("BAD_REQUEST", message, details);
