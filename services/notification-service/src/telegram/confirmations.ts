/** A /halt waiting for its confirmation: who asked, from which chat, and what it will halt. */
export interface PendingHalt {
  chatId: number;
  user: string;
  /** Accounts to halt; null is the whole platform (an admin's /halt). */
  accounts: string[] | null;
  expiresAt: number;
}

/**
 * One-time confirmation codes for /halt, in memory: a restart forgets them,
 * which only means asking again. A code works once, from the chat that asked,
 * until it expires.
 */
export class Confirmations {
  private readonly pending = new Map<string, PendingHalt>();

  constructor(
    private readonly ttlMs: number,
    private readonly now = () => Date.now(),
  ) {}

  open(halt: Omit<PendingHalt, "expiresAt">): { code: string; expiresInS: number } {
    this.sweep();
    const code = Buffer.from(crypto.getRandomValues(new Uint8Array(6))).toString("hex");
    this.pending.set(code, { ...halt, expiresAt: this.now() + this.ttlMs });
    return { code, expiresInS: Math.round(this.ttlMs / 1000) };
  }

  /** The pending halt when the code is this chat's and fresh; it is used up either way. */
  take(chatId: number, code: string): PendingHalt | "expired" | null {
    const halt = this.pending.get(code);
    if (!halt || halt.chatId !== chatId) return null;
    this.pending.delete(code);
    return halt.expiresAt <= this.now() ? "expired" : halt;
  }

  private sweep(): void {
    const now = this.now();
    for (const [code, halt] of this.pending) if (halt.expiresAt <= now) this.pending.delete(code);
  }
}
