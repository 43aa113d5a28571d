import {
  type Account,
  type AccountMode,
  type AccountModeChange,
  type AuditLog,
  nowNsString,
  type RpcReply,
  Subjects,
} from "@jts/contracts";
import { AppError, notFound, type RpcClient } from "@jts/kit";
import type { PortfolioRepository } from "./repository.ts";

export interface ArmRequest {
  account: string;
  /** The account id typed again: arming is never one stray click. */
  confirm: string;
  actor: string;
  reason?: string;
}

export interface DisarmRequest {
  account: string;
  actor: string;
  reason?: string;
}

export interface ArmingOptions {
  repository: PortfolioRepository;
  /** JTS_LIVE_TRADING=enabled: without it no account can be armed, whoever asks. */
  liveTradingEnabled: boolean;
  /** Asks the risk service (rpc risk.limits.get) whether the account has limits. */
  rpc: RpcClient;
  audit: AuditLog;
  /** Announces a change on portfolio.account-mode. */
  publish(change: AccountModeChange): Promise<void>;
}

/**
 * The account-level limits that bound what one order and one position can
 * risk; the platform defaults do not count (they were not chosen for the
 * account), nor do instrument overrides (they leave every other instrument open).
 */
const REQUIRED_LIMITS = ["maxOrderNotional", "maxPositionNotional"] as const;

/**
 * Live-trading safety: every account trades on paper until an admin arms it.
 * Arming needs the platform to allow live trading at all, the account id
 * confirmed, and the order and position limits set explicitly for the account
 * (an account with no limits would trade real money unbounded). Disarming is always allowed.
 * Every attempt, refused ones included, is in the audit log; every actual
 * change is published so the OMS routes the account's orders accordingly.
 * Who may call (admins arm) is the gateway's check.
 */
export class AccountArming {
  constructor(private readonly options: ArmingOptions) {}

  async arm(request: ArmRequest): Promise<Account> {
    try {
      await this.checkArmable(request);
    } catch (error) {
      await this.audit("account.arm", request, { outcome: "refused", why: (error as Error).message });
      throw error;
    }
    return this.switchTo("LIVE", "account.arm", request);
  }

  disarm(request: DisarmRequest): Promise<Account> {
    return this.switchTo("PAPER", "account.disarm", request);
  }

  private async checkArmable({ account, confirm }: ArmRequest): Promise<void> {
    if (!this.options.liveTradingEnabled)
      throw new AppError("FORBIDDEN", "live trading is disabled on this platform (JTS_LIVE_TRADING is not 'enabled')");
    if (confirm !== account) throw new AppError("BAD_REQUEST", `confirm must repeat the account id "${account}"`);
    if ((await this.options.repository.listAccounts([account])).length === 0) throw notFound(`account ${account}`);
    let reply: RpcReply<typeof Subjects.riskLimitsGet>;
    try {
      reply = await this.options.rpc.call(Subjects.riskLimitsGet, { account });
    } catch (error) {
      // No answer is no limits: arming fails closed.
      throw new AppError("UNAVAILABLE", `cannot confirm risk limits of ${account}: ${(error as Error).message}`);
    }
    const missing = REQUIRED_LIMITS.filter((name) => reply.limits?.[name] === undefined);
    if (missing.length > 0)
      throw new AppError(
        "CONFLICT",
        `risk limits for ${account} are unset: ${missing.join(", ")}; set them for the account before arming it`,
      );
  }

  private async switchTo(
    mode: AccountMode,
    action: string,
    request: { account: string; actor: string; reason?: string },
  ): Promise<Account> {
    const previous = await this.options.repository.setMode(request.account, mode);
    if (previous === null) {
      await this.audit(action, request, { outcome: "refused", why: "unknown account" });
      throw notFound(`account ${request.account}`);
    }
    await this.audit(action, request, { outcome: mode, previous });
    if (previous !== mode) {
      await this.options.publish({
        account: request.account,
        mode,
        previous,
        changedBy: request.actor,
        reason: request.reason ?? "",
        tsEvent: nowNsString(),
      });
    }
    const [account] = await this.options.repository.listAccounts([request.account]);
    if (!account) throw notFound(`account ${request.account}`);
    return account;
  }

  private audit(action: string, request: { account: string; actor: string; reason?: string }, details: object) {
    return this.options.audit.record({
      actor: request.actor,
      action,
      target: request.account,
      details: { ...details, ...(request.reason ? { reason: request.reason } : {}) },
    });
  }
}
