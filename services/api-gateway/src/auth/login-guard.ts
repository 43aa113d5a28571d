import type { Cache } from "@jts/contracts";
import { AppError } from "@jts/kit";

export interface LoginGuardSettings {
  /** Wrong passwords one client address may try per window... */
  failuresPerAddress: number;
  /** ...of this length (fixed from the first failure). */
  addressWindowMs: number;
  /** Wrong passwords free of any brake: per (account, address) before its backoff, per account before the slowdown. */
  freeFailuresPerAccount: number;
  /** The first wait of one (account, address) pair; it doubles with each further failure... */
  accountBaseDelayMs: number;
  /** ...up to this. */
  accountMaxDelayMs: number;
  /** Failure counts (per pair and per account) are forgotten this long after their first failure. */
  accountMemoryMs: number;
  /** Every attempt on an account, from any address, waits this much per failure past the free ones... */
  accountSlowdownStepMs: number;
  /** ...up to this: a delay, never a refusal. */
  accountSlowdownMaxMs: number;
}

export const DEFAULT_LOGIN_GUARD: Omit<LoginGuardSettings, "failuresPerAddress"> = {
  addressWindowMs: 60_000,
  freeFailuresPerAccount: 5,
  accountBaseDelayMs: 1_000,
  accountMaxDelayMs: 15 * 60_000,
  accountMemoryMs: 60 * 60_000,
  accountSlowdownStepMs: 500,
  accountSlowdownMaxMs: 5_000,
};

/** Told once per account and memory period, when its failures from all addresses pass the free ones. */
export type AccountUnderAttack = (username: string, failures: number) => void | Promise<void>;

const retryIn = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/**
 * Brakes on password guessing that count wrong passwords only (a user who logs
 * in often is never slowed), and that a stranger cannot turn against the owner:
 * - per client address, a fixed window of failures (any account);
 * - per (account, address), an exponential backoff after a few free failures:
 *   it refuses, but only the address that made the failures;
 * - per account, from all addresses, a count that only slows: every attempt on
 *   the account waits a bounded delay growing with the failures, and the first
 *   failure past the free ones raises an alert. A correct password from another
 *   address is never refused, so nobody can keep the admin out (they could with
 *   a per-account lock: a few requests an hour kept it locked).
 * A correct password resets its pair and the account's count.
 */
export class LoginGuard {
  constructor(
    private readonly cache: Cache,
    private readonly settings: LoginGuardSettings,
    private readonly onAccountUnderAttack: AccountUnderAttack = () => {},
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => Bun.sleep(ms),
  ) {}

  /** Throws RATE_LIMITED (with retry-after in `headers`) when this address must wait; delays when the account is under attack. */
  async check(ip: string, username: string, headers: Record<string, string | number>): Promise<void> {
    const failures = Number((await this.cache.get(this.addressKey(ip))) ?? 0);
    if (failures >= this.settings.failuresPerAddress) {
      const since = Number((await this.cache.get(`${this.addressKey(ip)}:since`)) ?? this.now());
      const wait = since + this.settings.addressWindowMs - this.now();
      headers["retry-after"] = String(retryIn(wait));
      throw new AppError("RATE_LIMITED", `too many failed logins from this address; retry in ${retryIn(wait)} s`);
    }
    const lockedUntil = Number((await this.cache.get(this.pairLockKey(username, ip))) ?? 0);
    const wait = lockedUntil - this.now();
    if (wait > 0) {
      headers["retry-after"] = String(retryIn(wait));
      throw new AppError(
        "RATE_LIMITED",
        `too many failed logins for this account from this address; retry in ${retryIn(wait)} s`,
      );
    }
    const delay = this.slowdown(Number((await this.cache.get(this.accountKey(username))) ?? 0));
    if (delay > 0) await this.sleep(delay);
  }

  /** The wait every attempt on an account with this many recent failures takes. */
  slowdown(accountFailures: number): number {
    const over = accountFailures - this.settings.freeFailuresPerAccount;
    return over > 0 ? Math.min(this.settings.accountSlowdownMaxMs, this.settings.accountSlowdownStepMs * over) : 0;
  }

  async failed(ip: string, username: string): Promise<void> {
    const { settings } = this;
    const fromAddress = await this.cache.increment(this.addressKey(ip), 1, settings.addressWindowMs);
    if (fromAddress === 1)
      await this.cache.set(`${this.addressKey(ip)}:since`, String(this.now()), settings.addressWindowMs);
    const fromPair = await this.cache.increment(this.pairKey(username, ip), 1, settings.accountMemoryMs);
    const over = fromPair - settings.freeFailuresPerAccount;
    if (over > 0) {
      const delay = Math.min(settings.accountMaxDelayMs, settings.accountBaseDelayMs * 2 ** Math.min(over - 1, 30));
      await this.cache.set(this.pairLockKey(username, ip), String(this.now() + delay), delay);
    }
    const forAccount = await this.cache.increment(this.accountKey(username), 1, settings.accountMemoryMs);
    if (forAccount === settings.freeFailuresPerAccount + 1) await this.onAccountUnderAttack(username, forAccount);
  }

  async succeeded(ip: string, username: string): Promise<void> {
    await this.cache.delete(this.pairKey(username, ip));
    await this.cache.delete(this.pairLockKey(username, ip));
    await this.cache.delete(this.accountKey(username));
  }

  private addressKey = (ip: string) => `auth:login-failures:ip:${ip}`;
  private accountKey = (username: string) => `auth:login-failures:user:${username.toLowerCase()}`;
  private pairKey = (username: string, ip: string) => `auth:login-failures:pair:${username.toLowerCase()}|${ip}`;
  private pairLockKey = (username: string, ip: string) => `auth:login-locked:pair:${username.toLowerCase()}|${ip}`;
}
