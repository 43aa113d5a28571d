/**
 * At most `limit` tasks at once over every alert, so one alert to many chats
 * (or many alerts at once) cannot open hundreds of Bot API calls; an urgent
 * task (a CRITICAL alert's) waiting for a turn goes before the others.
 */
export class SendQueue {
  private running = 0;
  private readonly urgent: Array<() => void> = [];
  private readonly normal: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async run<T>(urgent: boolean, task: () => Promise<T>): Promise<T> {
    if (this.running < this.limit) this.running += 1;
    else await new Promise<void>((turn) => (urgent ? this.urgent : this.normal).push(turn));
    try {
      return await task();
    } finally {
      // The turn passes straight to the next waiter (urgent first): `running` counts it already.
      const next = this.urgent.shift() ?? this.normal.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}
