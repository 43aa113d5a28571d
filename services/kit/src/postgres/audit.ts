import type { AuditEntry, AuditLog } from "@jts/contracts";
import type { Sql } from "./connect.ts";

/** The audit trail in PostgreSQL's append-only `audit_log` (migration 003). */
export class PostgresAuditLog implements AuditLog {
  constructor(private readonly sql: Sql) {}

  async record(entry: AuditEntry): Promise<void> {
    await this.sql`
      insert into audit_log (actor, action, target, source_ip, user_agent, request_id, details)
      values (${entry.actor}, ${entry.action}, ${entry.target ?? null}, ${validIp(entry.sourceIp)},
              ${entry.userAgent ?? null}, ${entry.requestId ?? null}, ${this.sql.json((entry.details ?? {}) as never)})`;
  }

  async list(filter: { actor?: string; limit?: number } = {}) {
    const rows = await this.sql`
      select ts::text as ts, actor, action, target, host(source_ip) as source_ip, user_agent, request_id, details
      from audit_log
      where ${filter.actor === undefined ? this.sql`true` : this.sql`actor = ${filter.actor}`}
      order by id desc limit ${filter.limit ?? 100}`;
    return rows.map((r) => ({
      ts: r.ts as string,
      actor: r.actor as string,
      action: r.action as string,
      target: (r.target as string | null) ?? null,
      sourceIp: (r.source_ip as string | null) ?? null,
      userAgent: (r.user_agent as string | null) ?? null,
      requestId: (r.request_id as string | null) ?? null,
      details: r.details as Record<string, unknown>,
    }));
  }
}

/** INET refuses anything but an address; an unknown or odd source is stored as null. */
function validIp(ip: string | null | undefined): string | null {
  if (!ip) return null;
  return /^[0-9a-fA-F:.]{2,45}$/.test(ip) ? ip : null;
}
