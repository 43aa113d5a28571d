import { PermanentError } from "../retry.ts";

/** Throws unless `res` is 2xx: 408, 429 and 5xx may pass on another try, any other answer will not. */
export async function expectSuccess(res: Response, what: string): Promise<void> {
  if (res.ok) return;
  const detail = (await res.text().catch(() => "")).slice(0, 200);
  const message = `${what} answered ${res.status}${detail ? `: ${detail}` : ""}`;
  if (res.status === 408 || res.status === 429 || res.status >= 500) throw new Error(message);
  throw new PermanentError(message);
}
