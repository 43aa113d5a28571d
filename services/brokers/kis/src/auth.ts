import { credentialTag, requireCredentials, VenueError, type VenueHttpClient } from "@jts/broker-kit";
import { type Alert, type Cache, type EventBus, EventTypes, nowNsString, Topics } from "@jts/contracts";
import { envelope, type Logger, newId } from "@jts/kit";
import type { KisSettings } from "./config.ts";
import { KIS_VENUE, TOKEN_REISSUE_INTERVAL_MS, TOKEN_THROTTLED_CODE } from "./constants.ts";
import { OAUTH_COST } from "./rest.ts";

/** The app key and secret every KIS credential call sends, or a refusal naming what is not set (nothing is sent). */
export function kisCredentials(settings: KisSettings): { appKey: string; appSecret: string } {
  const { KIS_APP_KEY, KIS_APP_SECRET } = requireCredentials(KIS_VENUE, {
    KIS_APP_KEY: settings.appKey,
    KIS_APP_SECRET: settings.appSecret,
  });
  return { appKey: KIS_APP_KEY, appSecret: KIS_APP_SECRET };
}

/** What the REST client needs from the token holder. */
export interface TokenSource {
  get(): Promise<string>;
  /** The venue refused `token`: forget it so the next get issues a new one. */
  invalidate(token: string): Promise<void>;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

/** Stop using a token this long before KIS says it expires. */
const EXPIRY_MARGIN_MS = 5 * 60_000;
/** A replica that lost the issue race waits this long for the winner's token. */
const PEER_WAIT_MS = 3000;

export interface KisTokensOptions {
  settings: KisSettings;
  cache: Cache;
  bus: EventBus;
  logger: Logger;
  /** KIS's HTTP client (kisHttp); token calls honour its pauses but not its request budget. */
  http: VenueHttpClient;
  now?: () => number;
  reissueIntervalMs?: number;
}

/**
 * The OAuth access token of /oauth2/tokenP, issued once and reused for its
 * 24-hour life by every replica through the cache port. KIS notifies the
 * account holder of every issuance and refuses more than one a minute, so
 * issuing is throttled across replicas with a set-if-absent marker, and each
 * issuance raises an alert so the user sees it in JTS too.
 */
export class KisTokens implements TokenSource {
  private readonly key: string;
  private readonly issueKey: string;
  private readonly now: () => number;
  private readonly reissueIntervalMs: number;
  private inflight: Promise<string> | null = null;

  constructor(private readonly options: KisTokensOptions) {
    const tag = `${options.settings.env}:${credentialTag(options.settings.appKey)}`;
    this.key = `kis:token:${tag}`;
    this.issueKey = `kis:token-issued:${tag}`;
    this.now = options.now ?? Date.now;
    this.reissueIntervalMs = options.reissueIntervalMs ?? TOKEN_REISSUE_INTERVAL_MS;
  }

  async get(): Promise<string> {
    const cached = await this.cached();
    if (cached) return cached.token;
    // One issue per process at a time; the cache marker does the same across processes.
    this.inflight ??= this.issue().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  async invalidate(token: string): Promise<void> {
    const cached = await this.readCache();
    if (cached?.token === token) await this.options.cache.delete(this.key);
  }

  private async cached(): Promise<CachedToken | null> {
    const cached = await this.readCache();
    return cached && cached.expiresAt - EXPIRY_MARGIN_MS > this.now() ? cached : null;
  }

  private async readCache(): Promise<CachedToken | null> {
    const raw = await this.options.cache.get(this.key);
    if (!raw) return null;
    try {
      return JSON.parse(raw) as CachedToken;
    } catch {
      return null;
    }
  }

  private async issue(): Promise<string> {
    const { appKey, appSecret } = kisCredentials(this.options.settings);
    const startedAt = this.now();
    const won = await this.options.cache.setIfAbsent(this.issueKey, "issuing", this.reissueIntervalMs);
    if (!won) return this.awaitPeerToken();
    const body = await this.options.http.request<{ access_token?: string; expires_in?: number }>({
      method: "POST",
      path: "/oauth2/tokenP",
      body: { grant_type: "client_credentials", appkey: appKey, appsecret: appSecret },
      costs: OAUTH_COST,
    });
    if (!body?.access_token) throw new VenueError(KIS_VENUE, "malformed", "token answer without access_token");
    const expiresAt = this.now() + (body.expires_in ?? 86_400) * 1000;
    await this.options.cache.set(
      this.key,
      JSON.stringify({ token: body.access_token, expiresAt }),
      expiresAt - this.now(),
    );
    // Done issuing: peers stop waiting for a token, the throttle keeps running to the minute.
    const throttleLeft = this.reissueIntervalMs - (this.now() - startedAt);
    if (throttleLeft > 0) await this.options.cache.set(this.issueKey, "issued", throttleLeft);
    await this.announce(expiresAt);
    return body.access_token;
  }

  /**
   * Someone issued under a minute ago. If that issue is still in flight (a
   * peer replica just started it), wait for its token; if it is done and its
   * token is gone (KIS refused it), refuse rather than trip KIS's throttle.
   */
  private async awaitPeerToken(): Promise<string> {
    const deadline = this.now() + PEER_WAIT_MS;
    for (;;) {
      // Marker first: the issuer stores the token before it marks the issue done.
      const marker = await this.options.cache.get(this.issueKey);
      const cached = await this.cached();
      if (cached) return cached.token;
      if (marker !== "issuing" || this.now() > deadline) break;
      await Bun.sleep(50);
    }
    throw new VenueError(
      KIS_VENUE,
      "unavailable",
      "a KIS access token was issued less than a minute ago; KIS allows one per minute",
      { code: TOKEN_THROTTLED_CODE },
    );
  }

  private async announce(expiresAt: number): Promise<void> {
    const { settings, bus, logger } = this.options;
    logger.info("KIS access token issued", { env: settings.env, expiresAt: new Date(expiresAt).toISOString() });
    const alert: Alert = {
      id: newId(),
      severity: "INFO",
      kind: "SYSTEM",
      title: "KIS access token issued",
      message: `A new KIS ${settings.env} access token was issued (KIS also notifies the account holder); valid until ${new Date(expiresAt).toISOString()}.`,
      account: settings.account,
      tsEvent: nowNsString(),
    };
    await bus
      .publish(Topics.alert, envelope(EventTypes.alert, "broker-kis", settings.account, alert))
      .catch((error) => logger.warn("could not publish the token alert", { error }));
  }
}

/** The WebSocket approval key of /oauth2/Approval (note: `secretkey`, not `appsecret`). */
export async function fetchApprovalKey(settings: KisSettings, http: VenueHttpClient): Promise<string> {
  const { appKey, appSecret } = kisCredentials(settings);
  const body = await http.request<{ approval_key?: string }>({
    method: "POST",
    path: "/oauth2/Approval",
    body: { grant_type: "client_credentials", appkey: appKey, secretkey: appSecret },
    costs: OAUTH_COST,
  });
  if (!body?.approval_key) throw new VenueError(KIS_VENUE, "malformed", "approval answer without approval_key");
  return body.approval_key;
}
