import type { Cache } from "@jts/contracts";
import { AppError } from "@jts/kit";

export interface LoginGuardSettings {
  /** Wrong passwords one client address may try per window... */
  failuresPerAddress: number;
  /** ...of this length (fixed from the first failure). */
  addressWindowMs: number;
  /** Wrong passwords an account takes before each further one waits, from any address. */
  freeFailuresPerAccount: number;
  /** The first wait; it doubles with each further failure... */
  accountBaseDelayMs: number;
  /** ...up to this. */
  accountMaxDelayMs: number;
  /** An account's failure count is forgotten this long after its first failure. */
  accountMemoryMs: number;
}

export const DEFAULT_LOGIN_GUARD: Omit<LoginGuardSettings, "failuresPerAddress"> = {
  addressWindowMs: 60_000,
  freeFailuresPerAccount: 5,
  accountBaseDelayMs: 1_000,
  accountMaxDelayMs: 15 * 60_000,
  accountMemoryMs: 60 * 60_000,
};

const retryIn = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/**
 * Brakes on password guessing that count wrong passwords only: a user who logs
 * in often is never slowed. Two independent brakes, so neither a shared address
 * (everyone behind one NAT) nor many addresses (a botnet on one account) gets
 * around them: per client address a fixed window of failures, and per account an
 * exponential backoff after a few free failures, whoever sends them. A correct
 * password resets the account's count.
 */
export class LoginGuard {
  constructor(
    private readonly cache: Cache,
    private readonly settings: LoginGuardSettings,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws RATE_LIMITED (with retry-after in `headers`) when this attempt must wait. */
  async check(ip: string, username: string, headers: Record<string, string | number>): Promise<void> {
    const failures = Number((await this.cache.get(this.addressKey(ip))) ?? 0);
    if (failures >= this.settings.failuresPerAddress) {
      const since = Number((await this.cache.get(`${this.addressKey(ip)}:since`)) ?? this.now());
      const wait = since + this.settings.addressWindowMs - this.now();
      headers["retry-after"] = String(retryIn(wait));
      throw new AppError("RATE_LIMITED", `too many failed logins from this address; retry in ${retryIn(wait)} s`);
    }
    const lockedUntil = Number((await this.cache.get(this.lockKey(username))) ?? 0);
    const wait = lockedUntil - this.now();
    if (wait > 0) {
      headers["retry-after"] = String(retryIn(wait));
      throw new AppError("RATE_LIMITED", `too many failed logins for this account; retry in ${retryIn(wait)} s`);
    }
  }

  async failed(ip: string, username: string): Promise<void> {
    const { settings } = this;
    const fromAddress = await this.cache.increment(this.addressKey(ip), 1, settings.addressWindowMs);
    if (fromAddress === 1)
      await this.cache.set(`${this.addressKey(ip)}:since`, String(this.now()), settings.addressWindowMs);
    const forAccount = await this.cache.increment(this.accountKey(username), 1, settings.accountMemoryMs);
    const over = forAccount - settings.freeFailuresPerAccount;
    if (over <= 0) return;
    const delay = Math.min(settings.accountMaxDelayMs, settings.accountBaseDelayMs * 2 ** Math.min(over - 1, 30));
    await this.cache.set(this.lockKey(username), String(this.now() + delay), delay);
  }

  async succeeded(username: string): Promise<void> {
    await this.cache.delete(this.accountKey(username));
    await this.cache.delete(this.lockKey(username));
  }

  private addressKey = (ip: string) => `auth:login-failures:ip:${ip}`;
  private accountKey = (username: string) => `auth:login-failures:user:${username.toLowerCase()}`;
  private lockKey = (username: string) => `auth:login-locked:user:${username.toLowerCase()}`;
}
