import type { Cache } from "@jts/contracts";

/** A place for this order is running elsewhere and has not answered yet; the caller may ask again. */
export class PlaceInFlightError extends Error {}

/**
 * At most one venue order per JTS order id. The OMS retries a place whose
 * answer it did not get; that retry can arrive while the first call is still
 * on its way to the venue, in this process or on another replica (rpc queue
 * groups spread requests). A second order at the venue would be real money,
 * so the retry waits for the first call's answer instead of placing again,
 * and fails (to be retried) rather than guess when none comes.
 */
export class PlaceOnce<Result> {
  private readonly inflight = new Map<string, Promise<Result>>();

  constructor(
    private readonly cache: Cache,
    private readonly prefix: string,
    private readonly options: { claimMs?: number; waitMs?: number } = {},
  ) {}

  async run(orderId: string, stored: () => Promise<Result | null>, place: () => Promise<Result>): Promise<Result> {
    // A duplicate in this process gets the stored answer once the first call is done,
    // not the first call's result: its reports must be published once.
    await this.inflight.get(orderId)?.catch(() => undefined);
    const known = await stored();
    if (known) return known;
    const claim = `${this.prefix}:placing:${orderId}`;
    if (!(await this.cache.setIfAbsent(claim, "1", this.options.claimMs ?? 30_000)))
      return this.awaitPeer(orderId, claim, stored);
    const running = place().finally(() => {
      this.inflight.delete(orderId);
      void this.cache.delete(claim);
    });
    this.inflight.set(orderId, running);
    return running;
  }

  private async awaitPeer(orderId: string, claim: string, stored: () => Promise<Result | null>): Promise<Result> {
    const deadline = Date.now() + (this.options.waitMs ?? 5000);
    while (Date.now() < deadline) {
      await Bun.sleep(25);
      const known = await stored();
      if (known) return known;
      if ((await this.cache.get(claim)) === null) break;
    }
    throw new PlaceInFlightError(`order ${orderId} is being placed by another call; ask again`);
  }
}
