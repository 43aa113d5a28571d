import type { Account, AccountMode } from "@jts/contracts";

/**
 * Which accounts trade real money, as the portfolio says: seeded from its
 * accounts, then followed on portfolio.account-mode. Only needed to refuse
 * clearing a LIVE account's limits, so it errs on the LIVE side: a seed (a
 * snapshot that may be older than an event already seen) only adds LIVE
 * accounts, and only an event disarms one.
 */
export class AccountModes {
  private readonly live = new Set<string>();
  /** False until the portfolio answered once: until then nobody can say an account is not LIVE. */
  known = false;

  seed(accounts: readonly Account[]): void {
    for (const account of accounts) if (account.mode === "LIVE") this.live.add(account.id);
    this.known = true;
  }

  apply(account: string, mode: AccountMode): void {
    if (mode === "LIVE") this.live.add(account);
    else this.live.delete(account);
  }

  isLive(account: string): boolean {
    return this.live.has(account);
  }
}
