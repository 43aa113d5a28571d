import { newId } from "@jts/kit";

export interface StreamEntry {
  userSeq: number;
  channel: string;
  /** The event's number on its channel in this stream (the wire's `seq`): 1, 2, 3... per channel. */
  seq: number;
  /** The event's data, serialised once for every connection. */
  json: string;
  /** When it was appended, ms since the epoch. */
  at: number;
}

export interface UserStreamLimits {
  maxEvents: number;
  maxAgeMs: number;
  now: () => number;
}

/**
 * One user's private events (orders, fills, positions, risk, alerts), numbered
 * 1, 2, 3... across the stream (`userSeq`, the resume cursor) and 1, 2, 3...
 * per channel (`seq`, the gap check), and kept in a bounded ring so a
 * reconnecting client can be replayed exactly what it missed. `id` changes whenever the numbering starts
 * again (a new stream after a restart), so an old cursor cannot match it.
 */
export class UserStream {
  readonly id = newId();
  private seq = 0;
  private readonly channelHeads = new Map<string, number>();
  // A ring as an array with a moving start; compacted in bulk, so appends stay O(1).
  private entries: StreamEntry[] = [];
  private start = 0;

  constructor(private readonly limits: UserStreamLimits) {}

  /** The last number given out; 0 before the first event. */
  get head(): number {
    return this.seq;
  }

  /** The last `seq` given out on `channel`; 0 before its first event. */
  headOf(channel: string): number {
    return this.channelHeads.get(channel) ?? 0;
  }

  get size(): number {
    return this.entries.length - this.start;
  }

  append(channel: string, json: string): StreamEntry {
    this.seq += 1;
    const seq = this.headOf(channel) + 1;
    this.channelHeads.set(channel, seq);
    const entry: StreamEntry = { userSeq: this.seq, channel, seq, json, at: this.limits.now() };
    this.entries.push(entry);
    if (this.size > this.limits.maxEvents) this.start += 1;
    this.evictOld();
    return entry;
  }

  /**
   * Every entry after `seq` on `channels`, in order; null when the ring no
   * longer reaches back that far (or `seq` is from the future: another stream).
   */
  since(seq: number, channels: ReadonlySet<string>): StreamEntry[] | null {
    this.evictOld();
    const oldest = this.seq - this.size + 1;
    if (seq > this.seq || seq < oldest - 1) return null;
    const out: StreamEntry[] = [];
    for (let i = this.start + (seq - oldest + 1); i < this.entries.length; i++) {
      const entry = this.entries[i] as StreamEntry;
      if (channels.has(entry.channel)) out.push(entry);
    }
    return out;
  }

  private evictOld() {
    const cutoff = this.limits.now() - this.limits.maxAgeMs;
    while (this.start < this.entries.length && (this.entries[this.start] as StreamEntry).at < cutoff) this.start += 1;
    if (this.start > 1024 && this.start * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.start);
      this.start = 0;
    }
  }
}
