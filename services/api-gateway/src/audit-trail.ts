import type { AuditEntry, AuditLog } from "@jts/contracts";
import type { Logger } from "@jts/kit";
import type { ClientOrigin } from "./client-ip.ts";

/** Request bodies are kept in the audit log unless they may carry a secret (tokens, passwords, push subscription keys). */
export const isAuditableBody = (body: unknown): body is Record<string, unknown> =>
  typeof body === "object" && body !== null && !Object.keys(body).some((key) => /password|token|^keys$/i.test(key));

/**
 * Writes the gateway's audit entries. A failed write is logged, never thrown:
 * the call it records has already been answered.
 */
export function auditTrail(log: AuditLog, logger: Logger) {
  return {
    record: (entry: AuditEntry) =>
      log.record(entry).catch((error: unknown) => logger.error("audit write failed", { error, action: entry.action })),
    /** Where a call came from, as every entry records it. */
    origin: (request: Request, client: Pick<ClientOrigin, "ip">) => ({
      sourceIp: client.ip,
      userAgent: request.headers.get("user-agent")?.slice(0, 256) ?? null,
    }),
  };
}

export type AuditTrail = ReturnType<typeof auditTrail>;

/** createServiceApp derives `requestId` for every route; a controller's own type does not know it. */
export const requestIdOf = (context: object): string | undefined => (context as { requestId?: string }).requestId;
