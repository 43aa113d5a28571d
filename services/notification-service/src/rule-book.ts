import {
  type Alert,
  type DocumentStore,
  type NotificationChannel,
  NotificationRule,
  type NotificationRuleView,
} from "@jts/contracts";
import { AppError, compile, type Logger, readDocuments, type UnreadableDocument } from "@jts/kit";
import type { Routes } from "./notifier.ts";

/** One document per user, named by the username. */
export const RULES_COLLECTION = "notification-rules";
const ruleSchema = compile(NotificationRule);

interface Held {
  id: string;
  version: number;
  rule: NotificationRule;
}

/** The rule a user without one has: nothing goes out for them (in-app alerts always do). */
const NO_RULE: NotificationRule = { routes: [], quietHours: null };

/**
 * The users' notification rules, kept in memory from the documents port and
 * re-read when any replica changes one. A document that fails the schema
 * (a hand edit) is skipped and listed in `unreadable`, which /ready reports;
 * the other users' rules keep working.
 *
 * An alert goes to a channel when any user's rule routes its kind there, and
 * that user is not in quiet hours; CRITICAL alerts (a HALT, a loss limit,
 * a venue down, LIVE arming) go out in quiet hours too, and to every channel
 * when no rule routes them.
 */
export class RuleBook {
  private rules = new Map<string, Held>();
  unreadable: UnreadableDocument[] = [];
  /** Set when the store itself did not answer the last load. */
  loadError: string | null = null;

  constructor(
    private readonly documents: DocumentStore,
    private readonly configured: readonly NotificationChannel[],
    private readonly logger: Logger,
  ) {}

  /** Reads every rule again; on failure keeps the rules it had and says why in `loadError`. */
  async load(): Promise<boolean> {
    try {
      const { documents, unreadable } = await readDocuments(this.documents, RULES_COLLECTION, ruleSchema);
      this.rules = new Map(documents.map((d) => [d.name, { id: d.id, version: d.version, rule: d.body }]));
      for (const bad of unreadable)
        this.logger.error("notification rule skipped: the stored document is unreadable", { ...bad });
      this.unreadable = unreadable;
      this.loadError = null;
      return true;
    } catch (error) {
      this.loadError = `collection ${RULES_COLLECTION} cannot be read: ${(error as Error).message}`;
      this.logger.error("notification rules not loaded", { error: (error as Error).message });
      return false;
    }
  }

  /**
   * The first rule, from the environment (NOTIFY_ROUTES), for `user` when the
   * collection holds no document at all; never over stored rules, so editing
   * a rule at run time is not undone by a restart.
   */
  async seed(user: string, routes: Routes): Promise<void> {
    if ((await this.documents.list(RULES_COLLECTION)).length > 0) return;
    const rule: NotificationRule = {
      routes: [...routes]
        .filter(([, channels]) => channels.length > 0)
        .map(([kind, channels]) => ({ kind, channels: [...channels] })),
      quietHours: null,
    };
    await this.documents.create(RULES_COLLECTION, user, rule).catch((error: unknown) => {
      // Another replica seeded it a moment ago.
      if (!(error instanceof AppError && error.code === "CONFLICT")) throw error;
    });
  }

  view(user: string): NotificationRuleView {
    const held = this.rules.get(user);
    return held ? { user, version: held.version, rule: held.rule } : { user, version: 0, rule: NO_RULE };
  }

  /** Replaces the user's rule if it is still at `version` (0: the user has none yet); CONFLICT otherwise. */
  async set(user: string, version: number, rule: NotificationRule): Promise<NotificationRuleView> {
    this.check(rule);
    const doc =
      version === 0
        ? await this.documents.create(RULES_COLLECTION, user, rule)
        : await this.updateOwn(user, version, rule);
    this.rules.set(user, { id: doc.id, version: doc.version, rule });
    this.unreadable = this.unreadable.filter((bad) => bad.id !== doc.id);
    return { user, version: doc.version, rule };
  }

  /**
   * Channels `alert` goes to now: the union over every user's rule that
   * routes its kind and is not quiet. A CRITICAL alert no rule routes (every
   * user left its kind out, the rules are unreadable or not loaded yet) goes
   * to every configured channel: a HALT or a venue down must reach someone
   * outside the PWA.
   */
  channelsFor(alert: Alert, now: Date): NotificationChannel[] {
    const channels = new Set<NotificationChannel>();
    for (const [, channel] of this.routed(alert, now)) channels.add(channel);
    if (channels.size === 0 && alert.severity === "CRITICAL" && this.configured.length > 0) {
      this.logger.warn("no rule routes this CRITICAL alert: it goes to every configured channel", {
        kind: alert.kind,
        alertId: alert.id,
      });
      return [...this.configured];
    }
    return [...channels];
  }

  /** The users whose rule routes `alert` to `channel` now (push goes to each user's own devices). */
  usersFor(alert: Alert, channel: NotificationChannel, now: Date): Set<string> {
    const users = new Set<string>();
    for (const [user, routed] of this.routed(alert, now)) if (routed === channel) users.add(user);
    return users;
  }

  /** (user, channel) for every route of `alert`'s kind whose user is not in quiet hours (CRITICAL ignores them). */
  private *routed(alert: Alert, now: Date): Generator<[string, NotificationChannel]> {
    for (const [user, { rule }] of this.rules) {
      if (alert.severity !== "CRITICAL" && rule.quietHours && isQuiet(rule.quietHours, now)) continue;
      for (const route of rule.routes) if (route.kind === alert.kind) for (const c of route.channels) yield [user, c];
    }
  }

  private async updateOwn(user: string, version: number, rule: NotificationRule) {
    // The stored document, not the cached one: a hand-edited (unreadable) rule can be replaced through the API.
    const stored = await this.documents.findByName(RULES_COLLECTION, user);
    if (!stored) throw new AppError("CONFLICT", `${user} has no notification rule any more: reload and send version 0`);
    return this.documents.update(RULES_COLLECTION, stored.id, version, rule);
  }

  /** What the schema cannot say: one route per kind, channels that exist here, a real time zone and span. */
  private check(rule: NotificationRule): void {
    const problems: string[] = [];
    const kinds = rule.routes.map((r) => r.kind);
    if (new Set(kinds).size !== kinds.length) problems.push("routes: each alert kind at most once");
    for (const route of rule.routes)
      for (const channel of route.channels)
        if (!this.configured.includes(channel))
          problems.push(`routes: channel ${channel} is not configured on this platform`);
    if (rule.quietHours) {
      if (rule.quietHours.from === rule.quietHours.to) problems.push("quietHours: from and to must differ");
      if (!isTimeZone(rule.quietHours.timeZone))
        problems.push(`quietHours: unknown time zone ${rule.quietHours.timeZone}`);
    }
    if (problems.length > 0)
      throw new AppError(
        "VALIDATION",
        `invalid notification rule: ${problems[0]}`,
        problems.map((message) => ({ message })),
      );
  }
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Whether `now` falls in [from, to) local time; a span past midnight (22:00 to 07:00) wraps. */
export function isQuiet(quiet: { from: string; to: string; timeZone: string }, now: Date): boolean {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: quiet.timeZone,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(now);
  const at = (type: string) => parts.find((p) => p.type === type)?.value ?? "00";
  const local = `${at("hour")}:${at("minute")}`;
  return quiet.from < quiet.to ? local >= quiet.from && local < quiet.to : local >= quiet.from || local < quiet.to;
}
