import type { BrokerAck, Cache, ExecutionReport, Order } from "@jts/contracts";
import { PlaceOnce } from "./place-once.ts";

/** A broker's answer to a place: the ack, and the reports to publish with it (once). */
export interface Placement {
  ack: BrokerAck;
  reports: ExecutionReport[];
}

/** The least a broker remembers about an order it placed; venues add what they need to cancel or poll it. */
export interface PlacedOrder {
  order: Order;
  ack: BrokerAck;
}

/** Orders are remembered for a week: KRX order numbers are per day, and a week covers any reconciliation. */
export const PLACED_ORDER_TTL_MS = 7 * 24 * 3600_000;

/**
 * The orders a broker placed at its venue, kept in the shared cache under
 * `<prefix>:order:<orderId>` so every replica knows them, and placed at most
 * once per JTS order id (PlaceOnce, under the same prefix).
 */
export class PlacedOrders<Placed extends PlacedOrder = PlacedOrder> {
  private readonly once: PlaceOnce<Placement>;

  constructor(
    private readonly cache: Cache,
    private readonly prefix: string,
  ) {
    this.once = new PlaceOnce(cache, prefix);
  }

  /**
   * Runs `placeNew` unless the order is known already; a known order gets its
   * stored ack and no reports, because those went out with the first answer.
   */
  place(order: Order, placeNew: () => Promise<Placement>): Promise<Placement> {
    return this.once.run(
      order.id,
      async () => {
        const known = await this.load(order.id);
        return known ? { ack: known.ack, reports: [] } : null;
      },
      placeNew,
    );
  }

  async load(orderId: string): Promise<Placed | null> {
    const raw = await this.cache.get(this.key(orderId));
    return raw ? (JSON.parse(raw) as Placed) : null;
  }

  async save(placed: Placed): Promise<void> {
    await this.cache.set(this.key(placed.order.id), JSON.stringify(placed), PLACED_ORDER_TTL_MS);
  }

  private key(orderId: string): string {
    return `${this.prefix}:order:${orderId}`;
  }
}
