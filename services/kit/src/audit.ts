import { type AuditEntry, type AuditLog, nowNsString } from "@jts/contracts";

/** In-process audit trail for `just dev` on memory and for tests; keeps the newest `capacity` entries. */
export class MemoryAuditLog implements AuditLog {
  private readonly entries: Array<AuditEntry & { ts: string }> = [];

  constructor(private readonly capacity = 10_000) {}

  async record(entry: AuditEntry): Promise<void> {
    this.entries.push({ ...entry, ts: nowNsString() });
    if (this.entries.length > this.capacity) this.entries.shift();
  }

  async list(filter: { actor?: string; limit?: number } = {}) {
    return this.entries
      .filter((e) => filter.actor === undefined || e.actor === filter.actor)
      .slice(-(filter.limit ?? 100))
      .reverse();
  }
}
