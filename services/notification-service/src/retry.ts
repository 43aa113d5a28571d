export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  /** Wait before the second try; doubled before each further one. */
  baseDelayMs: number;
  /** No single wait is longer. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 };

/** A failure that another try cannot fix (a 4xx answer, a refused recipient): no retry. */
export class PermanentError extends Error {
  override readonly name = "PermanentError";
}

/** The wait before try `attempt + 1` (attempt counts from 1): base x 2^(attempt-1), capped. */
export function backoffDelay(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
}

/**
 * Runs `work` until it succeeds, throws a PermanentError, or the tries run out;
 * the last error is rethrown. Waits grow exponentially so a receiver that is
 * down is not hammered; `sleep` is replaceable for tests.
 */
export async function withRetry<T>(
  work: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  onRetry: (error: unknown, attempt: number, delayMs: number) => void = () => {},
  sleep: (ms: number) => Promise<void> = (ms) => Bun.sleep(ms),
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work(attempt);
    } catch (error) {
      if (error instanceof PermanentError || attempt >= policy.attempts) throw error;
      const delay = backoffDelay(policy, attempt);
      onRetry(error, attempt, delay);
      await sleep(delay);
    }
  }
}
