/**
 * The calls that make trading safer: halting (PUT /api/risk/state HALTED),
 * cancelling every open order, and disarming an account back to paper. They
 * must work exactly when something has gone wrong, which is also when a
 * client may have spent its ordinary rate limit (a polling PWA, a script
 * loop). So they never count against, nor are refused by, the ordinary
 * per-user bucket: they take a bucket of their own, generous enough for any
 * human and still a bound on a runaway script.
 */
const DISARM_PATH = /^\/api\/accounts\/[^/]+\/disarm$/;

export function isSafetyCall(method: string, path: string, body: unknown): boolean {
  if (method === "POST") return path === "/api/orders/cancel-all" || DISARM_PATH.test(path);
  if (method === "PUT" && path === "/api/risk/state")
    return typeof body === "object" && body !== null && (body as { state?: unknown }).state === "HALTED";
  return false;
}
