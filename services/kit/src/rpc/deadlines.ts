const noop = () => {};
const MAX_DELAY_MS = 2 ** 31 - 1;

interface Entry {
  at: number;
  onTimeout: () => void;
  settled: boolean;
}

/** A pending deadline: `settle` once the answer is in, and its timeout never fires. */
export interface Deadline {
  settle(): void;
}

/**
 * The timeouts of one length: a request made later has a later deadline, so
 * they come due in the order they were added and only the oldest pending one
 * needs a timer. One timer serves them all and is set again only when it
 * fires (about once per timeout length under steady load) instead of a
 * setTimeout and a clearTimeout per request. The timer keeps the process
 * alive only while a deadline is pending, as a request's own timer did.
 */
class DeadlineQueue {
  private entries: Entry[] = [];
  private head = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** Whether the timer holds the process (a deadline is pending). */
  private held = false;

  constructor(private readonly timeoutMs: number) {}

  add(onTimeout: () => void): Deadline {
    const entry: Entry = { at: performance.now() + this.timeoutMs, onTimeout, settled: false };
    this.entries.push(entry);
    // A timer already set is due no later than this deadline (it was set for an older one).
    if (!this.timer) this.arm(entry.at);
    else if (!this.held) {
      this.timer.ref();
      this.held = true;
    }
    return {
      settle: () => {
        entry.settled = true;
        // The entry may wait behind an older pending one: it must not keep the answered request's
        // closure (its promise, its reply) alive until then.
        entry.onTimeout = noop;
        this.dropSettled();
      },
    };
  }

  private readonly fire = () => {
    this.timer = null;
    const now = performance.now();
    while (this.head < this.entries.length) {
      const entry = this.entries[this.head] as Entry;
      if (!entry.settled && entry.at > now) break;
      this.head++;
      if (!entry.settled) {
        entry.settled = true;
        entry.onTimeout();
      }
    }
    this.dropSettled();
    const next = this.entries[this.head];
    if (next) this.arm(next.at);
  };

  private arm(at: number) {
    // Clamped: a delay past 2^31-1 ms is taken as 1 ms, and fire would re-arm every millisecond.
    this.timer = setTimeout(this.fire, Math.min(MAX_DELAY_MS, Math.max(0, at - performance.now())));
    this.held = true;
  }

  /** Forgets the answered deadlines at the front; with none pending, the timer no longer holds the process. */
  private dropSettled() {
    while (this.head < this.entries.length && (this.entries[this.head] as Entry).settled) this.head++;
    if (this.head === this.entries.length) {
      this.entries = [];
      this.head = 0;
      if (this.timer && this.held) {
        this.timer.unref();
        this.held = false;
      }
    } else if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}

/** Request timeouts grouped by length (requests mostly share a few), a queue and a timer per length. */
export class Deadlines {
  private readonly queues = new Map<number, DeadlineQueue>();

  /** Calls `onTimeout` once `timeoutMs` has passed, unless the returned deadline is settled first. */
  add(timeoutMs: number, onTimeout: () => void): Deadline {
    let queue = this.queues.get(timeoutMs);
    if (!queue) {
      queue = new DeadlineQueue(timeoutMs);
      this.queues.set(timeoutMs, queue);
    }
    return queue.add(onTimeout);
  }
}
