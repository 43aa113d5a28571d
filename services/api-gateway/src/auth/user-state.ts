import { type EventBus, EventTypes, type Subscription, Topics } from "@jts/contracts";
import { envelope, type Logger, oldestKeyDropper } from "@jts/kit";
import type { Role, User, UserChanges, UserDirectory } from "./users.ts";

/** What every request checks of its user: still there, enabled, the role now, and the token version. */
export interface UserState {
  role: Role;
  disabled: boolean;
  tokenVersion: number;
}

/** Users remembered per process; past this the oldest is forgotten (read again on its next request). */
const MAX_KNOWN_USERS = 10_000;

/**
 * The users' current state, kept in memory so checking it on every request
 * and WebSocket message costs a map lookup, not a database query. A change
 * made here (UserStates.update) replaces the entry at once and is published
 * on the bus (Topics.userChanged), so every gateway process forgets its copy
 * and re-reads the user: a disabled user, a new role or a password change
 * ends the user's sessions everywhere as soon as the event arrives.
 */
export class UserStates {
  private readonly known = new Map<string, UserState>();
  private readonly dropOldestKnown = oldestKeyDropper(this.known);
  private readonly listeners: Array<(username: string) => void> = [];
  private subscription: Subscription | null = null;

  constructor(
    private readonly users: UserDirectory,
    private readonly bus: EventBus,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.subscription = await this.bus.subscribe(Topics.userChanged, (event) => {
      const { username } = event.payload;
      this.known.delete(username);
      for (const listener of this.listeners) listener(username);
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.unsubscribe();
    this.subscription = null;
  }

  /** Called (in every process) when a user changed: e.g. close the user's sockets. */
  onChange(listener: (username: string) => void): void {
    this.listeners.push(listener);
  }

  /** The remembered state, or undefined when not remembered (then call get). */
  cached(username: string): UserState | undefined {
    return this.known.get(username);
  }

  /**
   * The user's state now; null when there is no such user. Absence is not
   * remembered: a user created later (API, CLI, another gateway) must work at
   * once, and only a token signed with the key names a missing user.
   */
  async get(username: string): Promise<UserState | null> {
    const cached = this.known.get(username);
    if (cached !== undefined) return cached;
    const user = await this.users.find(username);
    if (!user) return null;
    const state = stateOf(user);
    if (this.known.size >= MAX_KNOWN_USERS) this.dropOldestKnown();
    this.known.set(username, state);
    return state;
  }

  /** Changes the user (the token version moves on) and tells every gateway process. */
  async update(username: string, changes: UserChanges): Promise<User> {
    const user = await this.users.update(username, changes);
    this.known.set(username, stateOf(user));
    try {
      await this.bus.publish(
        Topics.userChanged,
        envelope(EventTypes.userChanged, "api-gateway", username, { username, tokenVersion: user.tokenVersion }),
      );
    } catch (error) {
      // This process already refuses the old tokens; others re-read the user when the bus is back.
      this.logger.error("user change not published", { username, error });
    }
    return user;
  }
}

const stateOf = (user: User): UserState => ({
  role: user.role,
  disabled: user.disabled,
  tokenVersion: user.tokenVersion,
});
